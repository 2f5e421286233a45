import type { Db } from '@hoop/db';
import { z } from 'zod';
import { parseInput } from '../errors';
import { loadPipeline } from '../pipeline';
import { agentStatus, ONLINE_WINDOW_MS } from '../agent/agent-status';
import { keyState } from '../integration/sealing-key';
import { agentConfigError } from '@hoop/protocol';
import { ConnectionIdInput, connectionNotFound } from './connection-detail';
import { secretSource, targetSummary } from './connection-view';
import { checkTarget, type TargetCheckDeps, TargetOutcome } from './target-check';

export const CheckStatus = z.enum(['pass', 'fail', 'warn', 'info']);

export const ConnectionCheck = z.object({
  id: z.enum(['settings', 'agent', 'credential', 'policy', 'target']),
  label: z.string(),
  status: CheckStatus,
  detail: z.string(),
});
export type ConnectionCheck = z.infer<typeof ConnectionCheck>;

export const ConnectionTestResult = z.object({
  connection: z.string(),
  checkedAt: z.date(),
  /** no check failed: the agent reached the target and logged in, and can be asked for a session */
  ready: z.boolean(),
  checks: z.array(ConnectionCheck),
  /** the agent's own test of the target, step by step (or why it did not run) */
  target: TargetOutcome,
  /** what this test does not do, in a sentence */
  notChecked: z.string(),
  /** a command that opens a real session through the gateway and the agent */
  tryCommand: z.string(),
});
export type ConnectionTestResult = z.infer<typeof ConnectionTestResult>;

const ago = (ms: number) =>
  ms < 60_000 ? `${Math.max(0, Math.round(ms / 1000))} s` : ms < 3_600_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 3_600_000)} h`;

/**
 * Checks the settings against the agent's own rules, whether the serving agent is online (a heartbeat within 15 s),
 * whether a stored secret opens with the key the gateway shares, and whether the policy is valid; then the agent
 * reaches the target with its credential and reports each step (the `target` check; see ./target-check.ts). It says
 * what it did not check.
 */
export async function testConnection(
  db: Db,
  orgId: string,
  input: z.input<typeof ConnectionIdInput>,
  encryptionKey: string | null,
  deps: TargetCheckDeps,
  now = new Date(),
): Promise<ConnectionTestResult> {
  const q = parseInput(ConnectionIdInput, input);
  const c = await db.connection.findFirst({
    where: { id: q.id, orgId },
    include: {
      agent: { select: { id: true, name: true, connectedAt: true, lastSeenAt: true } },
      policy: { select: { name: true, version: true, document: true } },
    },
  });
  if (!c) throw connectionNotFound();
  const checks: ConnectionCheck[] = [];

  const problem = agentConfigError(c.type, c.config);
  checks.push(
    problem
      ? { id: 'settings', label: 'Settings', status: 'fail', detail: `The agent would refuse these settings: ${problem}. Edit the connection to fix them.` }
      : { id: 'settings', label: 'Settings', status: 'pass', detail: `Valid by the agent's own rules (${targetSummary(c.type, c.config) ?? c.type}).` },
  );

  if (!c.agent) {
    checks.push({
      id: 'agent',
      label: 'Agent',
      status: 'fail',
      detail: 'No agent serves this connection, so nobody can open a session: edit it and choose an agent.',
    });
  } else {
    const state = agentStatus(c.agent, now);
    const since = c.agent.lastSeenAt ? now.getTime() - c.agent.lastSeenAt.getTime() : null;
    checks.push(
      state === 'online'
        ? {
            id: 'agent',
            label: 'Agent',
            status: 'pass',
            detail: `“${c.agent.name}” is online: its last heartbeat was ${ago(since ?? 0)} ago (online means within ${ONLINE_WINDOW_MS / 1000} s).`,
          }
        : state === 'never-connected'
          ? { id: 'agent', label: 'Agent', status: 'fail', detail: `“${c.agent.name}” has never connected to the gateway: start it with its key (see Agents).` }
          : {
              id: 'agent',
              label: 'Agent',
              status: 'fail',
              detail:
                `“${c.agent.name}” is offline: ${since === null ? 'no heartbeat yet' : `its last heartbeat was ${ago(since)} ago`} (online means within ` +
                `${ONLINE_WINDOW_MS / 1000} s). Check that it runs and can reach the gateway.`,
            },
    );
  }

  const source = secretSource(c.secretRef);
  if (source === 'stored') {
    const key = await keyState(encryptionKey, c.secretEncrypted);
    checks.push(
      !c.secretEncrypted
        ? {
            id: 'credential',
            label: 'Credential',
            status: 'fail',
            detail: 'The connection expects a stored secret but none is kept: edit it and type the secret.',
          }
        : key === 'ready'
          ? {
              id: 'credential',
              label: 'Credential',
              status: 'pass',
              detail: 'The stored secret opens with HOOP_ENCRYPTION_KEY, so the gateway can send it to the serving agent (and only to it).',
            }
          : key === 'mismatch'
            ? {
                id: 'credential',
                label: 'Credential',
                status: 'fail',
                detail:
                  'The stored secret does not open with this web app’s HOOP_ENCRYPTION_KEY: ' +
                  'if the gateway has the same key, it cannot open it either. Type the secret again.',
              }
            : {
                id: 'credential',
                label: 'Credential',
                status: 'warn',
                detail: 'This web app has no valid HOOP_ENCRYPTION_KEY, so the stored secret could not be checked.',
              },
    );
  } else if (source === 'env' || source === 'file') {
    const where = source === 'env' ? `the environment variable ${c.secretRef!.slice(4)}` : `the file ${c.secretRef!.slice(5)}`;
    checks.push({
      id: 'credential',
      label: 'Credential',
      status: 'info',
      detail:
        `Read by the agent from ${where} on its own host when a session opens; ` +
        `not visible from here (the target check below shows whether the agent found it).`,
    });
  } else {
    checks.push(
      c.type === 'ssh'
        ? {
            id: 'credential',
            label: 'Credential',
            status: 'warn',
            detail: 'No credential: the agent would try to log in with neither a key nor a password, which SSH servers normally refuse.',
          }
        : {
            id: 'credential',
            label: 'Credential',
            status: 'info',
            detail:
              c.type === 'command'
                ? 'No credential: commands run with the agent’s own environment.'
                : 'No credential: the agent logs in without a password (trust or peer authentication on the target).',
          },
    );
  }

  if (!c.policy) {
    checks.push({ id: 'policy', label: 'Policy', status: 'pass', detail: 'No policy attached: every built-in guardrail and masking apply.' });
  } else {
    const { Policy } = await loadPipeline();
    const parsed = Policy.safeParse(c.policy.document);
    checks.push(
      parsed.success
        ? { id: 'policy', label: 'Policy', status: 'pass', detail: `“${c.policy.name}” version ${c.policy.version} is valid.` }
        : {
            id: 'policy',
            label: 'Policy',
            status: 'fail',
            detail:
              `“${c.policy.name}” is not valid (${parsed.error.issues.length} problem${parsed.error.issues.length === 1 ? '' : 's'}), ` +
              `so the gateway refuses everyone but admins: fix it on the Policies page.`,
          },
    );
  }

  // the agent's own test: only with settings it would accept
  const target = problem
    ? {
        status: 'info' as const,
        detail: 'Not tested: the agent would refuse these settings.',
        outcome: { state: 'skipped' as const, ok: false, code: null, serverVersion: null, latencyMs: null, ms: 0, gateway: null, steps: [] },
      }
    : await checkTarget(db, { id: c.id, orgId, agent: c.agent }, deps, now);
  checks.push({ id: 'target', label: 'Target', status: target.status, detail: target.detail });
  // what the agent found of a secret it reads itself (env:, file:) is worth more than "not visible from here"
  const found = target.outcome.steps.find((s) => s.id === 'credential');
  const credential = checks.find((k) => k.id === 'credential');
  if (found && credential?.status === 'info' && (source === 'env' || source === 'file')) {
    Object.assign(
      credential,
      found.status === 'fail'
        ? { status: 'fail', detail: `The agent could not read it: ${found.detail}.` }
        : { status: 'pass', detail: `The agent found it: ${found.detail}.` },
    );
  }

  const tryCommand = c.type === 'postgres' ? `hoop exec ${c.name} -i "select 1"` : `hoop exec ${c.name} -i "true"`;
  const reached = target.outcome.state === 'done' && target.outcome.ok;
  return {
    connection: c.name,
    checkedAt: now,
    ready: checks.every((k) => k.status !== 'fail'),
    checks,
    target: target.outcome,
    notChecked: reached
      ? `No session was opened: the agent logged into ${targetSummary(c.type, c.config) ?? 'the target'} as a session would, ` +
        `but guardrails, masking and the audit trail act only in a session. To open one, run the command below.`
      : `No session was opened. Once the checks above pass, try one through the gateway and the agent with the command below.`,
    tryCommand,
  };
}
