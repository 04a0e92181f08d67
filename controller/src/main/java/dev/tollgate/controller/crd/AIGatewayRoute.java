package dev.tollgate.controller.crd;

import dev.tollgate.controller.resource.AIGatewayRouteSpec;
import dev.tollgate.controller.resource.ResourceKind;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Version;

/** The {@code AIGatewayRoute} custom resource: Routing rules: header and model matches to weighted, prioritised backends, and request costs. The CRD is generated from this class. */
@Group(ResourceKind.GROUP)
@Version(ResourceKind.VERSION)
@Kind("AIGatewayRoute")
@Plural("aigatewayroutes")
public class AIGatewayRoute extends CustomResource<AIGatewayRouteSpec, Void> implements Namespaced {
}
