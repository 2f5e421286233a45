import type { Db } from '@hoop/db';
import { z } from 'zod';
import { AppError, parseInput } from '../errors';
import { loadGuards } from '../pipeline';
import { issuesText, policyIssues } from './policy-view';

export const TestPolicyInput = z.object({
  /** the policy as edited (saved or not): what the test judges against */
  document: z.unknown(),
  /** a connection: its type decides SQL or shell, and its read-only flag applies */
  connectionId: z.uuid({ error: 'Choose a connection from the list.' }).optional(),
  /** without a connection: judge as SQL or as a shell command line */
  guard: z.enum(['sql', 'shell']).default('sql'),
  readOnly: z.boolean().default(false),
  input: z
    .string()
    .max(100_000, { error: 'Test at most 100,000 characters at a time.' })
    .refine((s) => s.trim().length > 0, { error: 'Enter SQL or a shell command to test.' }),
});
export type TestPolicyInput = z.input<typeof TestPolicyInput>;

const Action = z.enum(['allow', 'deny', 'review']);

export const PolicyTestResult = z.object({
  guard: z.enum(['sql', 'shell']),
  readOnly: z.boolean(),
  connection: z.string().nullable(),
  /** the most severe decision decides for the whole input */
  action: Action,
  ruleId: z.string().nullable(),
  reason: z.string().nullable(),
  /** one per statement (SQL) or command (shell), in order */
  items: z.array(
    z.object({
      text: z.string(),
      /** SQL: the statement kind and command (read · SELECT); shell: the program, and what it runs under */
      what: z.string(),
      action: Action,
      ruleId: z.string().nullable(),
      message: z.string().nullable(),
      hint: z.string().nullable(),
    }),
  ),
});
export type PolicyTestResult = z.infer<typeof PolicyTestResult>;

/** Which guard a connection's statements go through on the agent (apps/agent/src/session/policy-hooks.ts guardKind). */
function guardOf(type: string, config: unknown): 'sql' | 'shell' {
  if (type === 'postgres' || type === 'mysql') return 'sql';
  const guard = config && typeof config === 'object' ? (config as { guard?: unknown }).guard : undefined;
  return type === 'command' && guard === 'sql' ? 'sql' : 'shell';
}

/**
 * The decision the agent would take for a statement or command under a policy, per statement and with the rule that
 * fired, like `hoop policy test`. Nothing runs anywhere.
 */
export async function testPolicy(db: Db, orgId: string, input: TestPolicyInput): Promise<PolicyTestResult> {
  const q = parseInput(TestPolicyInput, input);
  const p = await loadGuards();
  const r = p.Policy.safeParse(q.document ?? null);
  if (!r.success)
    throw new AppError('invalid', `The policy is not valid, so it cannot be tested: ${issuesText(policyIssues(r.error))}.`, { cause: r.error.issues });
  let guard = q.guard;
  let readOnly = q.readOnly;
  let connection: string | null = null;
  /** a mysql connection's SQL is judged with the MySQL grammar, as its agent judges it */
  let mysql = false;
  if (q.connectionId) {
    const c = await db.connection.findFirst({ where: { id: q.connectionId, orgId }, select: { name: true, type: true, config: true, readOnly: true } });
    if (!c) throw new AppError('not_found', 'That connection does not exist (any more): choose another one.');
    guard = guardOf(c.type, c.config);
    readOnly = c.readOnly;
    connection = c.name;
    mysql = c.type === 'mysql';
  }
  const nil = (s: string | undefined) => s ?? null;
  if (guard === 'sql') {
    if (mysql) await p.initMysqlGuard();
    const d = (mysql ? p.evaluateMysql : p.evaluate)(q.input, r.data, { readOnly });
    return {
      guard,
      readOnly: readOnly || r.data.readOnly,
      connection,
      action: d.action,
      ruleId: nil(d.ruleId),
      reason: nil(d.reason),
      items: d.statements.map((s) => ({
        text: s.text,
        what: `${s.kind} · ${s.command}`,
        action: s.action,
        ruleId: nil(s.ruleId),
        message: nil(s.message),
        hint: nil(s.hint),
      })),
    };
  }
  const d = p.evaluateShell(q.input, r.data);
  return {
    guard,
    readOnly: false,
    connection,
    action: d.action,
    ruleId: nil(d.ruleId),
    reason: nil(d.reason),
    items: d.commands.map((c) => ({
      text: c.text,
      what: [...c.via, c.command].join(' › '),
      action: c.action,
      ruleId: nil(c.ruleId),
      message: nil(c.message),
      hint: nil(c.hint),
    })),
  };
}
