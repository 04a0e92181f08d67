package dev.tollgate.controller.sink;

/**
 * An Envoy refused configuration it was sent over xDS (a NACK: a request with {@code error_detail}).
 *
 * @param node     the Envoy's node id
 * @param typeUrl  the kind of resource, e.g. {@code type.googleapis.com/envoy.config.listener.v3.Listener}
 * @param version  the version it refused ({@code unknown} when the response is not known to this server)
 * @param kept     the version it keeps using ({@code none} before it accepted one)
 * @param message  Envoy's own reason
 */
public record EnvoyRejection(String node, String typeUrl, String version, String kept, String message) {
  @Override
  public String toString() {
    return "Envoy '" + node + "' rejected " + typeUrl + " version " + version + " and keeps version " + kept + ": "
        + message;
  }
}
