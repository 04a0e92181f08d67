package dev.tollgate.controller.crd;

import dev.tollgate.controller.resource.PromptPolicySpec;
import dev.tollgate.controller.resource.ResourceKind;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Version;

/** The {@code PromptPolicy} custom resource: Prompt guards, enrichment and request defaults for routes. The CRD is generated from this class. */
@Group(ResourceKind.GROUP)
@Version(ResourceKind.VERSION)
@Kind("PromptPolicy")
@Plural("promptpolicies")
public class PromptPolicy extends CustomResource<PromptPolicySpec, Void> implements Namespaced {
}
