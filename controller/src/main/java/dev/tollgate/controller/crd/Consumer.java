package dev.tollgate.controller.crd;

import dev.tollgate.controller.resource.ConsumerSpec;
import dev.tollgate.controller.resource.ResourceKind;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Version;

/** The {@code Consumer} custom resource: A client of the gateway, known by its keys, with metadata and a model allow-list. The CRD is generated from this class. */
@Group(ResourceKind.GROUP)
@Version(ResourceKind.VERSION)
@Kind("Consumer")
@Plural("consumers")
public class Consumer extends CustomResource<ConsumerSpec, Void> implements Namespaced {
}
