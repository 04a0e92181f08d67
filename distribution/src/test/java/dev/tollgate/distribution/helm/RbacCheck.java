package dev.tollgate.distribution.helm;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Kubernetes' RBAC authorizer in small: an API request (method and path) becomes its attributes
 * (verb, API group, resource, namespace, name), and is allowed when a rule of a Role or ClusterRole
 * bound to the service account grants them.
 */
final class RbacCheck {
  /** A resource request's attributes; namespace null for a cluster-wide one, name null for a collection. */
  record Attributes(String verb, String group, String resource, String namespace, String name) {
    @Override
    public String toString() {
      return verb + " " + (group.isEmpty() ? "core" : group) + "/" + resource
          + (namespace == null ? " (all namespaces)" : " in " + namespace) + (name == null ? "" : " " + name);
    }
  }

  /** Paths every authenticated client may read (Kubernetes' system:discovery and system:public-info-viewer). */
  private static final Set<String> DISCOVERY = Set.of("/version", "/api", "/apis", "/openapi/v2", "/healthz", "/livez", "/readyz");

  private RbacCheck() {
  }

  /** The attributes of {@code method path?query}, or null for a discovery path. */
  static Attributes attributes(String method, String pathAndQuery) {
    int q = pathAndQuery.indexOf('?');
    String path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
    String query = q < 0 ? "" : pathAndQuery.substring(q + 1);
    if (DISCOVERY.contains(path) || path.startsWith("/api/v1?") || path.matches("/apis/[^/]+(/[^/]+)?")
        || path.equals("/api/v1")) {
      return null;
    }
    List<String> parts = new ArrayList<>(List.of(path.substring(1).split("/")));
    String group;
    if (parts.get(0).equals("api")) {
      group = "";
      parts = parts.subList(2, parts.size());
    } else if (parts.get(0).equals("apis")) {
      group = parts.get(1);
      parts = parts.subList(3, parts.size());
    } else {
      throw new IllegalArgumentException("not an API path: " + path);
    }
    String namespace = null;
    if (parts.size() >= 2 && parts.get(0).equals("namespaces") && parts.size() > 2) {
      namespace = parts.get(1);
      parts = parts.subList(2, parts.size());
    }
    String resource = parts.get(0);
    String name = parts.size() > 1 ? parts.get(1) : null;
    if (parts.size() > 2) {
      resource = resource + "/" + parts.get(2);
    }
    boolean watch = List.of(query.split("&")).contains("watch=true") || List.of(query.split("&")).contains("watch=1");
    String verb = switch (method) {
      case "GET", "HEAD" -> watch ? "watch" : name == null ? "list" : "get";
      case "POST" -> "create";
      case "PUT" -> "update";
      case "PATCH" -> "patch";
      case "DELETE" -> name == null ? "deletecollection" : "delete";
      default -> throw new IllegalArgumentException("unexpected method " + method);
    };
    return new Attributes(verb, group, resource, namespace, name);
  }

  /** Whether the rules bound to the service account {@code namespace/serviceAccount} allow {@code a}. */
  static boolean allowed(List<HasMetadata> objects, String namespace, String serviceAccount, Attributes a) {
    for (HasMetadata o : objects) {
      if (o instanceof RoleBinding b && bindsTo(b.getSubjects(), namespace, serviceAccount)
          && a.namespace() != null && a.namespace().equals(b.getMetadata().getNamespace())
          && grants(rules(objects, b.getRoleRef(), b.getMetadata().getNamespace()), a)) {
        return true;
      }
      if (o instanceof ClusterRoleBinding b && bindsTo(b.getSubjects(), namespace, serviceAccount)
          && grants(rules(objects, b.getRoleRef(), null), a)) {
        return true;
      }
    }
    return false;
  }

  private static boolean bindsTo(List<Subject> subjects, String namespace, String serviceAccount) {
    return subjects.stream().anyMatch(s -> s.getKind().equals("ServiceAccount") && s.getName().equals(serviceAccount)
        && namespace.equals(s.getNamespace()));
  }

  private static List<PolicyRule> rules(List<HasMetadata> objects, RoleRef ref, String bindingNamespace) {
    for (HasMetadata o : objects) {
      if (ref.getKind().equals("Role") && o instanceof Role r && r.getMetadata().getName().equals(ref.getName())
          && r.getMetadata().getNamespace().equals(bindingNamespace)) {
        return r.getRules();
      }
      if (ref.getKind().equals("ClusterRole") && o instanceof ClusterRole r && r.getMetadata().getName().equals(ref.getName())) {
        return r.getRules();
      }
    }
    return List.of();
  }

  private static boolean grants(List<PolicyRule> rules, Attributes a) {
    return rules.stream().anyMatch(r -> matches(r.getApiGroups(), a.group()) && matches(r.getResources(), a.resource())
        && matches(r.getVerbs(), a.verb())
        && (r.getResourceNames().isEmpty() || (a.name() != null && r.getResourceNames().contains(a.name()))));
  }

  private static boolean matches(List<String> granted, String wanted) {
    return granted.contains("*") || granted.contains(wanted);
  }
}
