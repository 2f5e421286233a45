/**
 * A tiny RBAC table: rules granted to users and groups, each naming verbs, resources (with `pods/log`-style
 * subresources) and, optionally, namespaces. `*` matches anything. Impersonation is its own verb: a subject needs
 * `impersonate` on `users` (and `groups`) to act as someone else, as with the real ClusterRole rule.
 */

export interface RbacRule {
  /** user names, or `group:<name>` for a group */
  subjects: string[];
  verbs: string[];
  resources: string[];
  /** absent: every namespace and the cluster scope */
  namespaces?: string[];
}

export interface Identity {
  user: string;
  groups: string[];
}

export interface Attributes {
  verb: string;
  /** `pods`, or `pods/exec` for a subresource; `users`/`groups` for impersonation */
  resource: string;
  namespace?: string;
}

const has = (list: string[], v: string) => list.includes('*') || list.includes(v);

export function allowed(rules: readonly RbacRule[], who: Identity, a: Attributes): boolean {
  const names = [who.user, ...who.groups.map((g) => `group:${g}`)];
  return rules.some(
    (r) =>
      r.subjects.some((s) => names.includes(s)) &&
      has(r.verbs, a.verb) &&
      has(r.resources, a.resource) &&
      (!r.namespaces || (a.namespace !== undefined && has(r.namespaces, a.namespace))),
  );
}
