package dev.tollgate.controller.crd;

import dev.tollgate.controller.resource.TokenBudgetSpec;
import dev.tollgate.controller.resource.ResourceKind;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Version;

/** The {@code TokenBudget} custom resource: Tokens or dollars per consumer (or consumer metadata value) and unit of time, enforced by Envoy's rate-limit filter. The CRD is generated from this class. */
@Group(ResourceKind.GROUP)
@Version(ResourceKind.VERSION)
@Kind("TokenBudget")
@Plural("tokenbudgets")
public class TokenBudget extends CustomResource<TokenBudgetSpec, Void> implements Namespaced {
}
