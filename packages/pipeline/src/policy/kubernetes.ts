import { z } from 'zod';

/**
 * The `kubernetes` section of a policy: guardrails for requests through kubernetes connections, judged on the agent
 * on the request as the API server reads it (pipeline/src/kubernetes/request.ts) before anything reaches the cluster.
 *
 * Built-ins (on by default): `delete` of a Namespace and any `deletecollection` are refused; deleting a cluster-scoped
 * object (a Node, a ClusterRole, a CRD…) is held for review; `exec` and `attach` into a namespace listed in
 * `productionNamespaces` are held for review; `proxy` (to a pod, service or node's own endpoints, which hoop can
 * neither judge nor redact) is refused. A read-only connection lets only get, list, watch and log through. Secret
 * `data` and `stringData` are redacted in every answer unless `revealSecrets` is set.
 */

export const KUBERNETES_BUILTIN_RULE_IDS = [
  'kubernetes-delete-namespace',
  'kubernetes-deletecollection',
  'kubernetes-delete-cluster-scoped',
  'kubernetes-exec-production',
  'kubernetes-proxy',
] as const;
export type KubernetesBuiltinRuleId = (typeof KUBERNETES_BUILTIN_RULE_IDS)[number];

const KubeAction = z.enum(['allow', 'deny', 'review']);

const VerbName = z.enum(
  ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection', 'exec', 'attach', 'portforward', 'proxy', 'log', '*'],
  {
    error: 'verbs are get, list, watch, create, update, patch, delete, deletecollection, exec, attach, portforward, proxy, log or *',
  },
);

/** A glob with `*` for any text: `prod-*`, `kube-system`, `*`. */
const Glob = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9*._:/-]+$/, 'a name glob is letters, digits, . _ : / - and * for any text');

export const KubernetesRule = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'rule ids are lowercase words joined by dashes'),
    action: KubeAction,
    message: z.string().max(500).optional(),
    match: z
      .object({
        verbs: z.array(VerbName).max(20).optional(),
        /**
         * resources as RBAC names them, globs allowed: `pods`, `pods/exec`, `pods/*` (any subresource),
         * `deployments.apps` (in that API group), `secrets`, `*`
         */
        resources: z.array(Glob).max(100).optional(),
        /** the request's namespace (a Namespace object's own name counts as its namespace) */
        namespaces: z.array(Glob).max(100).optional(),
        /** the object's name */
        names: z.array(Glob).max(100).optional(),
      })
      .strict()
      .refine((m) => Object.values(m).some((v) => v && v.length > 0), 'a rule must match on something'),
  })
  .strict();
export type KubernetesRule = z.infer<typeof KubernetesRule>;

const BuiltinSetting = z.object({ enabled: z.boolean().optional(), action: KubeAction.optional() }).strict();

export const KubernetesSettings = z
  .object({
    builtins: z.partialRecord(z.enum(KUBERNETES_BUILTIN_RULE_IDS), BuiltinSetting).default({}),
    /** checked in order before the built-ins; the first that matches a request decides for it */
    rules: z.array(KubernetesRule).max(500).default([]),
    /** namespaces (globs) where exec and attach are held for review (`kubernetes-exec-production`) */
    productionNamespaces: z.array(Glob).max(200).default([]),
    /** pass Secret data to clients as the cluster has it (off: `data` and `stringData` values are redacted) */
    revealSecrets: z.boolean().default(false),
  })
  .strict();
export type KubernetesSettings = z.infer<typeof KubernetesSettings>;
export const KUBERNETES_DEFAULTS: KubernetesSettings = { builtins: {}, rules: [], productionNamespaces: [], revealSecrets: false };
