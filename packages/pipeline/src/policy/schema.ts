import { z } from 'zod';
import { badScratchEntry } from '../shell/scratch';
import { HTTP_DEFAULTS, HttpSettings } from './http';
import { KUBERNETES_DEFAULTS, KubernetesSettings } from './kubernetes';

/** Statement kinds the classifier assigns. */
export const StatementKind = z.enum(['read', 'write', 'ddl', 'admin', 'transaction', 'utility', 'unknown']);
export type StatementKind = z.infer<typeof StatementKind>;

export const Action = z.enum(['allow', 'deny', 'review']);

export const Role = z.enum(['admin', 'reviewer', 'auditor', 'developer']);
export type Action = z.infer<typeof Action>;

export const BUILTIN_RULE_IDS = [
  'drop',
  'truncate',
  'delete-without-where',
  'update-without-where',
  'alter-drop-column',
  'grant-revoke',
  'copy-program',
  'file-and-shell-functions',
  'dynamic-sql',
  'read-only-override',
  'explain-analyze-write',
  // MySQL and MariaDB
  'load-data-local',
  'set-global',
  'server-plugins',
] as const;
export type BuiltinRuleId = (typeof BUILTIN_RULE_IDS)[number];

const BuiltinSetting = z.object({ enabled: z.boolean().optional(), action: Action.optional() }).strict();

export const CustomRule = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'rule ids are lowercase words joined by dashes'),
    action: Action,
    message: z.string().max(500).optional(),
    hint: z.string().max(500).optional(),
    match: z
      .object({
        kinds: z.array(StatementKind).optional(),
        /** command names as the classifier reports them: SELECT, DELETE, DROP TABLE, CREATE INDEX, … */
        commands: z.array(z.string()).optional(),
        /** table names or globs, optionally schema-qualified: `customers`, `public.*`, `audit_*` */
        tables: z.array(z.string()).optional(),
        /** function names (optionally schema-qualified) called anywhere in the statement */
        functions: z.array(z.string()).optional(),
      })
      .strict()
      .refine((m) => Object.values(m).some((v) => v && v.length > 0), 'a custom rule must match on something'),
  })
  .strict();
export type CustomRule = z.infer<typeof CustomRule>;

/** Built-in guardrails for shell commands (SSH exec and interactive shells), on by default like the SQL ones. */
export const SHELL_BUILTIN_RULE_IDS = [
  'rm-recursive-broad',
  'mkfs',
  'dd-device',
  'shutdown-reboot',
  'chmod-broad',
  'fork-bomb',
  'pipe-to-shell',
  'kubectl-delete-broad',
  'sql-in-shell',
  'helm-uninstall',
  'history-tamper',
  'rm-recursive',
  'interpreter-code',
  'dynamic-command',
] as const;
export type ShellBuiltinRuleId = (typeof SHELL_BUILTIN_RULE_IDS)[number];

export const ShellRule = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'rule ids are lowercase words joined by dashes'),
    action: Action,
    message: z.string().max(500).optional(),
    hint: z.string().max(500).optional(),
    match: z
      .object({
        /** program names or globs, matched without the directory (`kubectl`, `aws`, `mkfs.*`) and as written (`/opt/*`) */
        commands: z.array(z.string().min(1)).optional(),
        /** globs of which at least one argument must match one: `delete`, `s3://prod-*` */
        args: z.array(z.string().min(1)).optional(),
      })
      .strict()
      .refine((m) => Object.values(m).some((v) => v && v.length > 0), 'a custom rule must match on something'),
  })
  .strict();
export type ShellRule = z.infer<typeof ShellRule>;

/**
 * Where `rm-recursive` lets a directory tree be deleted without review, when a policy lists none: inside /tmp and
 * /var/tmp, and build caches below the working directory (a name without a slash matches at any depth, as in .gitignore).
 */
export const DEFAULT_SHELL_SCRATCH: readonly string[] = Object.freeze([
  '/tmp/*',
  '/var/tmp/*',
  'node_modules',
  'dist',
  '.cache',
  'target',
  '__pycache__',
  '.pytest_cache',
  '.mypy_cache',
  '.next',
  '.turbo',
]);

const ScratchPath = z
  .string()
  .min(1)
  .max(300)
  .superRefine((entry, ctx) => {
    const bad = badScratchEntry(entry);
    if (bad) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(entry)}: ${bad}` });
  });

export const ShellGuardrails = z
  .object({
    builtins: z.partialRecord(z.enum(SHELL_BUILTIN_RULE_IDS), BuiltinSetting).default({}),
    /** checked before the built-ins, in order; the first that matches a command decides for it */
    rules: z.array(ShellRule).default([]),
    /** path globs whose recursive deletion `rm-recursive` allows; replaces DEFAULT_SHELL_SCRATCH (`[]`: review every one) */
    scratch: z.array(ScratchPath).max(200).optional(),
  })
  .strict();
export type ShellGuardrails = z.infer<typeof ShellGuardrails>;

const PiiTypeName = z.enum(['email', 'card', 'ssn', 'iban', 'phone', 'ip', 'aws_key', 'jwt', 'private_key', 'token', 'name', 'address', 'dob', 'secret']);
const MaskStyleName = z.enum(['redact', 'partial', 'hash', 'null']);

/** Masking is on unless a policy turns it off; every detector runs unless disabled here. */
export const MaskingSettings = z
  .object({
    enabled: z.boolean().default(true),
    defaultStyle: MaskStyleName.default('redact'),
    styles: z.partialRecord(PiiTypeName, MaskStyleName).default({}),
    /** columns the owner declares safe: `column` (globs with *) */
    allowColumns: z.array(z.string()).default([]),
    disabledTypes: z.array(PiiTypeName).default([]),
  })
  .strict();
export type MaskingSettings = z.infer<typeof MaskingSettings>;

/** A tool name as Claude Code sends it, or a glob with `*` (`Bash`, `mcp__*`, `mcp__hoop__run_query`). */
const ToolName = z.string().regex(/^[A-Za-z0-9_*.:-]{1,128}$/, 'tool names are letters, digits, _ . : - and * as a wildcard');

/** Files whose contents a file read (Claude Code's Read tool) passes to the model masked: data, not source code. */
export const DEFAULT_DATA_FILES: readonly string[] = Object.freeze([
  '*.csv',
  '*.tsv',
  '*.log',
  '*.log.*',
  '*.out',
  '*.sql',
  '*.dump',
  '*.jsonl',
  '*.ndjson',
  '*.bak',
  '*.xlsx',
  '*.parquet',
]);

export const ToolRule = z
  .object({
    /** tool names or globs this rule is for */
    tools: z.array(ToolName).min(1),
    action: Action,
    message: z.string().max(500).optional(),
  })
  .strict();
export type ToolRule = z.infer<typeof ToolRule>;

/**
 * Claude Code's model API traffic through an anthropic connection: what is masked before the model reads it, which
 * tool calls the model asks for are judged before Claude Code runs them, and the limits on models and tokens.
 */
export const ClaudeSettings = z
  .object({
    mask: z
      .object({
        /** tools whose results (`tool_result` blocks) are masked before they reach the model */
        toolResults: z.array(ToolName).default(['Bash', 'BashOutput', 'mcp__*']),
        /** file reads (Read) are masked when the file's path matches one of these globs; `[]`: never */
        dataFiles: z
          .array(z.string().min(1).max(300))
          .max(200)
          .default([...DEFAULT_DATA_FILES]),
        /** the user's own text in the conversation */
        userText: z.boolean().default(true),
        /** the model's own text, masked in the answer before Claude Code shows it */
        modelOutput: z.boolean().default(false),
      })
      .strict()
      .default({ toolResults: ['Bash', 'BashOutput', 'mcp__*'], dataFiles: [...DEFAULT_DATA_FILES], userText: true, modelOutput: false }),
    guard: z
      .object({
        /** tools whose `command` input is judged by the shell guardrails (guardrails.shell) before Claude Code runs it */
        shellTools: z.array(ToolName).default(['Bash']),
        /** checked in order before the shell guardrails; the first rule naming a tool decides for its calls */
        tools: z.array(ToolRule).default([]),
      })
      .strict()
      .default({ shellTools: ['Bash'], tools: [] }),
    /** models that may be asked for (globs: `claude-sonnet-*`); `[]`: any */
    models: z.array(z.string().min(1).max(200)).max(100).default([]),
    /** input + output tokens one user may use per day (UTC) through this connection; absent: no budget */
    dailyTokensPerUser: z.number().int().min(1000).max(1_000_000_000_000).optional(),
  })
  .strict();
export type ClaudeSettings = z.infer<typeof ClaudeSettings>;
const CLAUDE_DEFAULTS = ClaudeSettings.parse({});

/** Who approves held statements and access requests, and how (DESIGN §6). */
export const ReviewSettings = z
  .object({
    /** who may approve: users with one of these roles, or these e-mail addresses */
    approvers: z
      .object({
        roles: z.array(Role).default(['admin', 'reviewer']),
        users: z.array(z.string().email()).default([]),
      })
      .strict()
      .default({ roles: ['admin', 'reviewer'], users: [] }),
    /** approvals needed before the statement runs (n of m); one rejection ends the request */
    minApprovals: z.number().int().min(1).max(10).default(1),
    /** whether requesters may approve their own requests */
    allowSelfApproval: z.boolean().default(false),
    /** how long a request waits for reviewers before it expires */
    timeoutMinutes: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 60)
      .default(30),
    /** Slack channel (id or #name) for this policy's requests; the org's default channel when absent */
    slackChannel: z.string().min(1).max(200).optional(),
    /** time-boxed access: `hoop connect` needs an approved grant first */
    access: z
      .object({
        required: z.boolean().default(false),
        defaultMinutes: z
          .number()
          .int()
          .min(1)
          .max(24 * 60)
          .default(30),
        maxMinutes: z
          .number()
          .int()
          .min(1)
          .max(7 * 24 * 60)
          .default(240),
      })
      .strict()
      .refine((a) => a.defaultMinutes <= a.maxMinutes, 'defaultMinutes cannot exceed maxMinutes')
      .default({ required: false, defaultMinutes: 30, maxMinutes: 240 }),
  })
  .strict();
export type ReviewSettings = z.infer<typeof ReviewSettings>;
const REVIEW_DEFAULTS: ReviewSettings = {
  approvers: { roles: ['admin', 'reviewer'], users: [] },
  minApprovals: 1,
  allowSelfApproval: false,
  timeoutMinutes: 30,
  access: { required: false, defaultMinutes: 30, maxMinutes: 240 },
};

export const Policy = z
  .object({
    name: z.string().min(1).max(100),
    version: z.number().int().positive().default(1),
    description: z.string().max(2000).optional(),
    connections: z.object({ names: z.array(z.string()).default([]), tags: z.array(z.string()).default([]) }).default({ names: [], tags: [] }),
    readOnly: z.boolean().default(false),
    /** per mode, the roles that may use the connection; a mode not listed is open to every member */
    access: z
      .object({
        connect: z.array(Role).optional(),
        exec: z.array(Role).optional(),
        mcp: z.array(Role).optional(),
        /** Claude Code's model API requests through an anthropic connection */
        claude: z.array(Role).optional(),
      })
      .strict()
      .default({}),
    guardrails: z
      .object({
        builtins: z.partialRecord(z.enum(BUILTIN_RULE_IDS), BuiltinSetting).default({}),
        rules: z.array(CustomRule).default([]),
        shell: ShellGuardrails.default({ builtins: {}, rules: [] }),
      })
      .default({ builtins: {}, rules: [], shell: { builtins: {}, rules: [] } }),
    /** limits for AI agents (sessions opened through MCP) */
    limits: z
      .object({
        /** rows a tool call returns at most (its own `limit` can only lower this) */
        maxRows: z.number().int().min(1).max(100_000).default(1000),
        /** bytes of row data a tool call returns at most */
        maxBytes: z
          .number()
          .int()
          .min(1024)
          .max(100 * 1024 * 1024)
          .default(1024 * 1024),
        /** how long an agent (MCP) session's statements may run: Postgres statement_timeout, MariaDB max_statement_time, MySQL max_execution_time (SELECTs) */
        statementTimeoutMs: z.number().int().min(100).max(3_600_000).default(30_000),
        /** tool calls that open a session, per user and minute */
        callsPerMinute: z.number().int().min(1).max(10_000).default(60),
      })
      .strict()
      .default({ maxRows: 1000, maxBytes: 1024 * 1024, statementTimeoutMs: 30_000, callsPerMinute: 60 }),
    masking: MaskingSettings.default({ enabled: true, defaultStyle: 'redact', styles: {}, allowColumns: [], disabledTypes: [] }),
    /** ssh connections */
    ssh: z
      .object({
        /** let clients open direct-tcpip channels (ssh -L, ssh -W) through the target; each one is recorded */
        portForwarding: z.boolean().default(false),
      })
      .strict()
      .default({ portForwarding: false }),
    review: ReviewSettings.default(REVIEW_DEFAULTS),
    /** anthropic connections: Claude Code's model API traffic */
    claude: ClaudeSettings.default(CLAUDE_DEFAULTS),
    /** http connections: guardrails on method, path and JSON body (policy/http.ts) */
    http: HttpSettings.default(HTTP_DEFAULTS),
    /** kubernetes connections: guardrails on verb, resource, namespace and name; Secret redaction (policy/kubernetes.ts) */
    kubernetes: KubernetesSettings.default(KUBERNETES_DEFAULTS),
  })
  .strict();
export type Policy = z.infer<typeof Policy>;

export class PolicyError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid policy:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'PolicyError';
  }
}

/** Validates a policy document (from YAML, JSON or the database); throws PolicyError listing every problem. */
export function parsePolicy(input: unknown): Policy {
  const r = Policy.safeParse(input);
  if (!r.success) throw new PolicyError(r.error.issues.map((i) => `${i.path.join('.') || '(policy)'}: ${i.message}`));
  return r.data;
}

/** What applies when a connection has no policy: every built-in guardrail on, masking on. */
export function defaultPolicy(): Policy {
  return parsePolicy({ name: 'default' });
}
