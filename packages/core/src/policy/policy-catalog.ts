import { z } from 'zod';
import { loadPipeline } from '../pipeline';

/** The choices a policy form offers, from the pipeline itself: built-in rules with their default actions, PII types, mask styles. */

const Action = z.enum(['allow', 'deny', 'review']);
const BuiltinRule = z.object({ id: z.string(), action: Action, description: z.string() });

export const PolicyCatalog = z.object({
  sql: z.array(BuiltinRule),
  shell: z.array(BuiltinRule),
  piiTypes: z.array(z.string()),
  maskStyles: z.array(z.string()),
  roles: z.array(z.string()),
  statementKinds: z.array(z.string()),
  /** the claude section's defaults (anthropic connections), which the form shows for a policy that sets none */
  claude: z.object({
    mask: z.object({ toolResults: z.array(z.string()), dataFiles: z.array(z.string()), userText: z.boolean(), modelOutput: z.boolean() }),
    guard: z.object({ shellTools: z.array(z.string()) }),
  }),
});
export type PolicyCatalog = z.infer<typeof PolicyCatalog>;

/** What each built-in rule stops, in the words of the README. */
const DESCRIPTIONS: Record<string, string> = {
  drop: 'DROP of any object (table, schema, database, role, …)',
  truncate: 'TRUNCATE',
  'delete-without-where': 'DELETE with no WHERE, or one that is always true (1=1, true, x = x)',
  'update-without-where': 'UPDATE with no WHERE, or one that is always true',
  'alter-drop-column': 'ALTER TABLE … DROP COLUMN / CONSTRAINT',
  'grant-revoke': 'GRANT, REVOKE, default privileges',
  'copy-program': 'COPY … PROGRAM, and COPY to or from server files',
  'file-and-shell-functions': 'pg_read_file, pg_ls_dir, lo_import, lo_export, dblink*, … anywhere in a statement',
  'dynamic-sql': 'SQL built at run time (EXECUTE of a string, format(…)) in DO blocks and routine bodies, and bodies hoop cannot read',
  'read-only-override': 'SET default_transaction_read_only = off, BEGIN READ WRITE, set_config(…)',
  'explain-analyze-write': 'EXPLAIN ANALYZE of a statement that writes',
  'rm-recursive-broad': 'rm -rf (and find -delete) on broad or data paths',
  'rm-recursive': 'recursive deletion (rm -r, find -delete, xargs rm, git clean, rsync --delete) of anything but scratch paths',
  'interpreter-code': 'code given to an interpreter on the line (python -c, perl -e, node -e, awk system(…))',
  mkfs: 'making file systems, partitioning disks',
  'dd-device': 'dd and redirections writing to a device (of=/dev/…)',
  'shutdown-reboot': 'shutdown, reboot, halt, poweroff, sysrq',
  'chmod-broad': 'chmod / chown -R on broad paths (chmod -R 777 /)',
  'fork-bomb': 'fork bombs',
  'pipe-to-shell': 'code downloaded and run at once (curl … | sh)',
  'kubectl-delete-broad': 'kubectl delete of namespaces, resource types, --all or every namespace',
  'sql-in-shell': 'SQL that the SQL guardrails stop, inside psql -c and the like',
  'helm-uninstall': 'helm uninstall / delete',
  'history-tamper': 'hiding what was run (clearing or turning off shell history)',
  'dynamic-command': 'commands only known when the line runs (eval, $(…) as the program)',
};

let cached: PolicyCatalog | null = null;

export async function policyCatalog(): Promise<PolicyCatalog> {
  if (cached) return cached;
  const p = await loadPipeline();
  const rule = (r: { id: string; action: z.infer<typeof Action> }) => ({ id: r.id, action: r.action, description: DESCRIPTIONS[r.id] ?? r.id });
  cached = {
    sql: p.BUILTIN_RULES.map(rule),
    shell: p.SHELL_RULES.map(rule),
    piiTypes: [...p.PII_TYPES],
    maskStyles: [...p.MASK_STYLES],
    roles: [...p.Role.options],
    statementKinds: [...p.StatementKind.options],
    claude: p.ClaudeSettings.parse({}),
  };
  return cached;
}
