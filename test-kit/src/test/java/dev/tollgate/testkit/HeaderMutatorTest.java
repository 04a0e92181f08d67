package dev.tollgate.testkit;

import static dev.tollgate.testkit.ScriptedExtProc.set;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.BoolValue;
import com.google.protobuf.ByteString;
import dev.tollgate.testkit.HeaderMutator.InvalidMutation;
import dev.tollgate.testkit.HeaderMutator.MutationRules;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption.HeaderAppendAction;
import io.envoyproxy.envoy.service.ext_proc.v3.HeaderMutation;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HeaderMutatorTest {
  private static Map<String, String> request() {
    Map<String, String> h = new LinkedHashMap<>();
    h.put(":method", "POST");
    h.put(":path", "/v1/chat/completions");
    h.put(":authority", "gateway.local");
    h.put(":scheme", "http");
    h.put("host", "gateway.local");
    h.put("x-old", "1");
    return h;
  }

  @Test
  void removesComeBeforeSetsSoASetHeaderThatIsAlsoRemovedStays() throws Exception {
    Map<String, String> h = request();
    new HeaderMutator(MutationRules.DEFAULT).apply(HeaderMutation.newBuilder()
        .addSetHeaders(set("x-old", "2")).addRemoveHeaders("x-old").build(), h);
    assertThat(h).containsEntry("x-old", "2");
  }

  @Test
  void onlyRawValueIsReadAndSettingBothIsAnError() throws Exception {
    Map<String, String> h = request();
    HeaderMutator m = new HeaderMutator(MutationRules.DEFAULT);
    m.apply(HeaderMutation.newBuilder().addSetHeaders(HeaderValueOption.newBuilder()
        .setHeader(HeaderValue.newBuilder().setKey("x-value-only").setValue("ignored"))).build(), h);
    assertThat(h).containsEntry("x-value-only", "");

    HeaderMutation both = HeaderMutation.newBuilder().addSetHeaders(HeaderValueOption.newBuilder()
        .setHeader(HeaderValue.newBuilder().setKey("x-both").setValue("a").setRawValue(ByteString.copyFromUtf8("b"))))
        .build();
    assertThatThrownBy(() -> m.apply(both, h)).isInstanceOf(InvalidMutation.class).hasMessageContaining("x-both");
  }

  @Test
  void appendActionIsIgnoredOnlyTheDeprecatedAppendBoolAppends() throws Exception {
    Map<String, String> h = request();
    HeaderMutator m = new HeaderMutator(MutationRules.DEFAULT);
    m.apply(HeaderMutation.newBuilder().addSetHeaders(set("x-old", "2").toBuilder()
        .setAppendAction(HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD)).build(), h);
    assertThat(h).containsEntry("x-old", "2");
    m.apply(HeaderMutation.newBuilder().addSetHeaders(set("x-old", "3").toBuilder()
        .setAppend(BoolValue.of(true))).build(), h);
    assertThat(h).containsEntry("x-old", "2,3");
  }

  @Test
  void defaultRulesRefusePseudoHeaderAndHostRemovalRoutingHeadersAndXEnvoyButAllowPath() throws Exception {
    Map<String, String> h = request();
    HeaderMutator m = new HeaderMutator(MutationRules.DEFAULT);
    m.apply(HeaderMutation.newBuilder()
        .addRemoveHeaders(":path").addRemoveHeaders("host").addRemoveHeaders("x-old")
        .addSetHeaders(set(":authority", "evil.example")).addSetHeaders(set(":method", "GET"))
        .addSetHeaders(set(":scheme", "https")).addSetHeaders(set("host", "evil.example"))
        .addSetHeaders(set("x-envoy-original-path", "/x")).addSetHeaders(set(":path", "/v1/other"))
        .build(), h);
    assertThat(h).containsEntry(":path", "/v1/other").containsEntry("host", "gateway.local")
        .containsEntry(":authority", "gateway.local").containsEntry(":method", "POST")
        .containsEntry(":scheme", "http").doesNotContainKey("x-old").doesNotContainKey("x-envoy-original-path");
    assertThat(m.rejected()).as("two removals, four routing headers, x-envoy-*").isEqualTo(7);
  }

  @Test
  void allowAllRoutingLetsRoutingHeadersChangeButNeverRemovesPseudoHeaders() throws Exception {
    Map<String, String> h = request();
    HeaderMutator m = new HeaderMutator(MutationRules.tollgate());
    m.apply(HeaderMutation.newBuilder().addRemoveHeaders(":authority")
        .addSetHeaders(set(":authority", "bedrock.example")).addSetHeaders(set("host", "bedrock.example"))
        .addSetHeaders(set(":scheme", "ftp")).addSetHeaders(set("x-envoy-retry-on", "5xx")).build(), h);
    assertThat(h).containsEntry(":authority", "bedrock.example").containsEntry("host", "bedrock.example")
        .containsEntry(":scheme", "http").doesNotContainKey("x-envoy-retry-on");
    assertThat(m.rejected()).as("the removal, the invalid scheme, x-envoy-*").isEqualTo(3);

    new HeaderMutator(MutationRules.tollgate().withAllowEnvoy(true))
        .apply(HeaderMutation.newBuilder().addSetHeaders(set("x-envoy-retry-on", "5xx")).build(), h);
    assertThat(h).containsEntry("x-envoy-retry-on", "5xx");
  }

  @Test
  void withDisallowIsErrorARefusedMutationFailsInsteadOfBeingIgnored() {
    HeaderMutator m = new HeaderMutator(MutationRules.DEFAULT.withDisallowIsError(true));
    assertThatThrownBy(() -> m.apply(HeaderMutation.newBuilder().addRemoveHeaders(":path").build(), request()))
        .isInstanceOf(InvalidMutation.class);
  }
}
