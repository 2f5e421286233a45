import type { KubernetesRule } from '../policy/kubernetes';
import type { Policy } from '../policy/schema';
import { describeKubeRequest, KUBE_READ_VERBS, type KubeRequest, parseKubeRequest, resourceLabel } from './request';

/**
 * Guardrails for one request to a Kubernetes API server (policy/kubernetes.ts): a read-only connection first, then the
 * first of the policy's `kubernetes.rules` that matches, then the built-ins, else allow. A path the agent cannot read
 * one way is refused.
 */
export interface KubeDecision {
  action: 'allow' | 'deny' | 'review';
  ruleId?: string;
  reason?: string;
  /** the request as read; absent when its path could not be read */
  request?: KubeRequest;
}

export function evaluateKubernetes(method: string, path: string, policy: Policy, o: { readOnly?: boolean } = {}): KubeDecision {
  const r = parseKubeRequest(method, path);
  if ('error' in r) return { action: 'deny', ruleId: 'kubernetes-unreadable-path', reason: `${r.error}; send the path in its plain form` };
  return judgeKubeRequest(r, policy, o);
}

export function judgeKubeRequest(r: KubeRequest, policy: Policy, o: { readOnly?: boolean } = {}): KubeDecision {
  const what = describeKubeRequest(r);
  if (o.readOnly && !KUBE_READ_VERBS.has(r.verb))
    return { action: 'deny', ruleId: 'read-only', reason: `the connection is read-only: ${what} is not allowed (only get, list, watch and logs)`, request: r };
  const k = policy.kubernetes;
  for (const rule of k.rules) {
    if (!ruleMatches(rule, r)) continue;
    return { action: rule.action, ruleId: rule.id, reason: rule.message ?? `${what} matches rule "${rule.id}"`, request: r };
  }
  const builtin = (id: keyof typeof k.builtins, fallback: 'deny' | 'review', why: (a: string) => string): KubeDecision | null => {
    const s = k.builtins[id];
    if (s?.enabled === false) return null;
    const action = s?.action ?? fallback;
    return { action, ruleId: id, reason: why(action === 'review' ? 'needs approval' : action === 'deny' ? 'is not allowed' : 'is allowed'), request: r };
  };
  let d: KubeDecision | null = null;
  if (r.verb === 'delete' && r.resource === 'namespaces' && !r.subresource)
    d = builtin('kubernetes-delete-namespace', 'deny', (a) => `${what}: deleting a namespace deletes everything in it, and ${a} through hoop`);
  else if (r.verb === 'deletecollection')
    d = builtin('kubernetes-deletecollection', 'deny', (a) => `${what}: deleting a whole collection at once ${a}; delete objects by name`);
  else if (r.verb === 'delete' && r.clusterScoped && !r.nonResource)
    d = builtin('kubernetes-delete-cluster-scoped', 'review', (a) => `${what}: deleting a cluster-scoped object ${a}`);
  else if ((r.verb === 'exec' || r.verb === 'attach') && k.productionNamespaces.some((g) => globMatches(g, r.namespace)))
    d = builtin('kubernetes-exec-production', 'review', (a) => `${what}: ${r.verb} into the production namespace ${r.namespace} ${a}`);
  else if (r.verb === 'proxy')
    d = builtin(
      'kubernetes-proxy',
      'deny',
      (a) => `${what}: proxying to a pod, service or node reaches endpoints hoop cannot judge or redact, and ${a}; use port-forward or exec`,
    );
  return d ?? { action: 'allow', request: r };
}

function ruleMatches(rule: KubernetesRule, r: KubeRequest): boolean {
  const m = rule.match;
  if (m.verbs?.length && !m.verbs.some((v) => v === '*' || v === r.verb)) return false;
  if (m.resources?.length && !m.resources.some((g) => resourceMatches(g, r))) return false;
  // a Namespace object's own name is its namespace: a rule on namespace kube-system covers deleting it
  const ns = r.namespace || (r.resource === 'namespaces' ? r.name : '');
  if (m.namespaces?.length && !m.namespaces.some((g) => globMatches(g, ns))) return false;
  if (m.names?.length && !m.names.some((g) => globMatches(g, r.name))) return false;
  return true;
}

/** `pods` (no subresource), `pods/exec`, `pods/*` (any subresource), `deployments.apps` (that group), `*` */
function resourceMatches(glob: string, r: KubeRequest): boolean {
  if (r.nonResource) return glob === '*';
  const [res, sub] = glob.split('/', 2) as [string, string | undefined];
  const dot = res.indexOf('.');
  const name = dot < 0 ? res : res.slice(0, dot);
  const group = dot < 0 ? null : res.slice(dot + 1);
  if (!globMatches(name, r.resource)) return false;
  if (group !== null && !globMatches(group, r.group)) return false;
  if (sub === undefined) return res === '*' || r.subresource === '';
  return globMatches(sub, r.subresource) && r.subresource !== '';
}

const globs = new Map<string, RegExp>();

/** `*` is any text; case is not counted (the API server's names are lower case). */
export function globMatches(glob: string, value: string): boolean {
  if (glob === '*') return true;
  let re = globs.get(glob);
  if (!re) {
    re = new RegExp(
      `^${glob
        .split('*')
        .map((s) => s.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'))
        .join('.*')}$`,
      'is',
    );
    if (globs.size > 1000) globs.clear();
    globs.set(glob, re);
  }
  return re.test(value);
}

export { resourceLabel };
