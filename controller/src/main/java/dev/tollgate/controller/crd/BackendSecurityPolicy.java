package dev.tollgate.controller.crd;

import dev.tollgate.controller.resource.BackendSecurityPolicySpec;
import dev.tollgate.controller.resource.ResourceKind;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Version;

/** The {@code BackendSecurityPolicy} custom resource: Credentials Tollgate attaches to requests for the backends that reference it. The CRD is generated from this class. */
@Group(ResourceKind.GROUP)
@Version(ResourceKind.VERSION)
@Kind("BackendSecurityPolicy")
@Plural("backendsecuritypolicies")
public class BackendSecurityPolicy extends CustomResource<BackendSecurityPolicySpec, Void> implements Namespaced {
}
