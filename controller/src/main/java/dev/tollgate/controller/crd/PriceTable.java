package dev.tollgate.controller.crd;

import dev.tollgate.controller.resource.PriceTableSpec;
import dev.tollgate.controller.resource.ResourceKind;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Version;

/** The {@code PriceTable} custom resource: Token prices per model, for dollar TokenBudgets. The CRD is generated from this class. */
@Group(ResourceKind.GROUP)
@Version(ResourceKind.VERSION)
@Kind("PriceTable")
@Plural("pricetables")
public class PriceTable extends CustomResource<PriceTableSpec, Void> implements Namespaced {
}
