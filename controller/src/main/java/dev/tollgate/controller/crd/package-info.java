/**
 * Typed custom resource classes of the Tollgate kinds. They exist so that fabric8's crd-generator
 * writes the CRDs (target/classes/META-INF/fabric8/*-v1.yml) from the same spec types the
 * controller validates; the controller itself reads the resources generically.
 */
package dev.tollgate.controller.crd;
