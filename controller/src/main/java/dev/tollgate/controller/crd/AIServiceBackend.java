package dev.tollgate.controller.crd;

import dev.tollgate.controller.resource.AIServiceBackendSpec;
import dev.tollgate.controller.resource.ResourceKind;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Version;

/** The {@code AIServiceBackend} custom resource: A provider backend: its API schema, endpoint and security policy. The CRD is generated from this class. */
@Group(ResourceKind.GROUP)
@Version(ResourceKind.VERSION)
@Kind("AIServiceBackend")
@Plural("aiservicebackends")
public class AIServiceBackend extends CustomResource<AIServiceBackendSpec, Void> implements Namespaced {
}
