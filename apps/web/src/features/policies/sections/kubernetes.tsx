'use client';

import { Switch } from '~/components/ui/switch';
import { Checks, ListField, PField, Problem, Section, Sub } from '../form-controls';
import { type Action, issueAt, issuesUnder, type Path } from '../policy-draft';
import { BuiltinTable, type Setting } from './builtin-table';
import { type MatchList, type RuleBase, RuleList } from './custom-rules';
import { orNone, type SectionProps } from './section-props';

const BASE: Path = ['kubernetes'];

/** The built-in rules of policy/kubernetes.ts, with their default actions (kubernetes/evaluate.ts). */
const BUILTINS: { id: string; action: Action; description: string }[] = [
  { id: 'kubernetes-delete-namespace', action: 'deny', description: 'deleting a Namespace (and so everything in it)' },
  { id: 'kubernetes-deletecollection', action: 'deny', description: 'deletecollection: deleting every object of a kind at once (kubectl delete --all)' },
  { id: 'kubernetes-delete-cluster-scoped', action: 'review', description: 'deleting a cluster-scoped object: a Node, a ClusterRole, a CRD…' },
  { id: 'kubernetes-exec-production', action: 'review', description: 'exec and attach into a pod of a production namespace (below)' },
  { id: 'kubernetes-proxy', action: 'deny', description: "proxy to a pod, service or node's own endpoints, which hoop can neither judge nor redact" },
];

const VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection', 'exec', 'attach', 'portforward', 'proxy', 'log', '*'];

const LISTS: MatchList[] = [
  {
    field: 'resources',
    label: 'Resources',
    hint: 'As RBAC names them, globs allowed: pods, pods/exec, pods/* (any subresource), deployments.apps, secrets. None: any.',
    adds: 'a resource',
    placeholder: 'secrets',
    normalize: (r) => r.toLowerCase(),
  },
  {
    field: 'namespaces',
    label: 'Namespaces',
    hint: "Globs: prod-*, payments. A Namespace object's own name counts as its namespace. None: any.",
    adds: 'a namespace',
    placeholder: 'prod-*',
  },
  { field: 'names', label: 'Names', hint: "Globs on the object's name: web-*. None: any name.", adds: 'a name', placeholder: 'web-*' },
];

/** The first problem at a list field or one of its values. */
const problemOf = (issues: SectionProps['issues'], at: Path) => issueAt(issues, at) ?? issuesUnder(issues, at)[0]?.message;

/**
 * Guardrails for kubernetes connections: the built-in rules (on by default, each with its action), the namespaces where
 * exec and attach are held for review, the policy's own rules on verb, resource, namespace and name (checked first; the
 * first that matches decides), and whether Secret values reach clients.
 */
export function KubernetesSection({ d, set, issues }: SectionProps) {
  const k = (d.kubernetes ?? {}) as { builtins?: Record<string, Setting>; rules?: unknown[]; productionNamespaces?: string[]; revealSecrets?: boolean };
  const rules = (k.rules ?? []) as RuleBase[];
  const under = issuesUnder(issues, [...BASE, 'rules']);
  const changed = Object.keys(k.builtins ?? {}).length;
  return (
    <Section
      id="kubernetes"
      title="Kubernetes"
      description={
        'For kubernetes connections: each request is judged on its verb, resource, namespace and name as the API server reads them, ' +
        'before anything reaches the cluster. A read-only connection lets only get, list, watch and log through.'
      }
      issues={issuesUnder(issues, BASE)}
    >
      <Sub
        title="Built-in rules"
        aside={<span className="whitespace-nowrap text-[12px] text-slate-500">{changed === 0 ? 'all on, default actions' : `${changed} changed`}</span>}
      />
      <BuiltinTable label="Built-in Kubernetes rules" rules={BUILTINS} settings={k.builtins ?? {}} base={[...BASE, 'builtins']} set={set} />
      <div data-testid="kubernetes-production-namespaces">
        <ListField
          label="Production namespaces"
          add="Add a production namespace"
          id="kubernetes-production-namespaces"
          problem={problemOf(issues, [...BASE, 'productionNamespaces'])}
          hint="Globs: prod, prod-*. exec and attach into a pod of one of these are held for review (kubernetes-exec-production)."
          values={k.productionNamespaces ?? []}
          onChange={(v) => set([...BASE, 'productionNamespaces'], orNone(v))}
          placeholder="prod-*"
          mono
        />
      </div>
      <RuleList
        title="Rules"
        intro={
          'Checked in order before the built-in rules; the first that matches a request decides for it. ' +
          'A rule matches on verbs, resources, namespaces and names together.'
        }
        addLabel="Add Kubernetes rule"
        empty="No Kubernetes rules: only the built-in rules judge requests."
        ruleWord="Kubernetes rule"
        base={[...BASE, 'rules']}
        rules={rules}
        lists={LISTS}
        withHint={false}
        newRule={{ id: `kubernetes-rule-${rules.length + 1}`, action: 'deny', match: {} }}
        first={(at, m, n) => (
          <PField label="Verbs" htmlFor={`${at.join('-')}-verbs`} problem={problemOf(issues, [...at, 'verbs'])} className="md:col-span-2">
            <Checks
              label={`Kubernetes rule ${n} verbs`}
              values={m.verbs ?? []}
              options={VERBS.map((v) => ({ value: v, label: v }))}
              onChange={(v) => set([...at, 'verbs'], orNone(v))}
            />
          </PField>
        )}
        footer={under.length > 0 && rules.length === 0 && <Problem message={under[0]?.message} />}
        set={set}
        issues={issues}
      />
      <div className="rounded-md border border-slate-200 px-3">
        <Switch
          label="Reveal Secret values"
          description="Pass the data and stringData of Secrets to clients as the cluster has them. Off: their values are redacted in every answer."
          checked={Boolean(k.revealSecrets)}
          onChange={(v) => set([...BASE, 'revealSecrets'], v || undefined)}
        />
      </div>
    </Section>
  );
}
