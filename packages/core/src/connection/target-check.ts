import type { ConnectionTestAgent, Db } from '@hoop/db';
import { ProbeResult, ProbeStep } from '@hoop/protocol';
import { z } from 'zod';
import { loadHoopDb } from '../hoop-db';

/** How the agent's test of the target went, or why it did not run. */
export const TargetOutcome = z.object({
  /** done: the agent tested the target; skipped: the settings are invalid; the rest: why nothing reached it */
  state: z.enum(['done', 'skipped', 'no_agent', 'agent_offline', 'no_gateway', 'timeout']),
  ok: z.boolean(),
  /** why it failed (auth, refused, host_not_found, timeout, tls, …), when the agent said */
  code: z.string().nullable(),
  serverVersion: z.string().nullable(),
  /** the test on the agent, in ms */
  latencyMs: z.number().nullable(),
  /** from the request to the answer, in ms */
  ms: z.number(),
  /** the gateway that ran it */
  gateway: z.string().nullable(),
  steps: z.array(ProbeStep),
});
export type TargetOutcome = z.infer<typeof TargetOutcome>;

export interface TargetCheckDeps {
  /** who asks: recorded with the request */
  requestedBy: string | null;
  /** the gateway people use (HOOP_GATEWAY_URL): looked at when no gateway took the test, to say whether it runs */
  gatewayUrl: string;
}

export interface TargetCheck {
  status: 'pass' | 'fail' | 'warn' | 'info';
  detail: string;
  outcome: TargetOutcome;
}

/**
 * The agent serving the connection reaches the target with its own credential (through the gateway that holds its
 * tunnel, via the database: see packages/db/src/connection-tests.ts) and reports each step.
 */
export async function checkTarget(
  db: Db,
  c: { id: string; orgId: string; agent: ConnectionTestAgent | null },
  deps: TargetCheckDeps,
  now: Date,
): Promise<TargetCheck> {
  const { runConnectionTest } = await loadHoopDb();
  const outcome = await runConnectionTest(db, { orgId: c.orgId, connectionId: c.id, agent: c.agent, requestedBy: deps.requestedBy }, { now });
  const base = { ok: false, code: null, serverVersion: null, latencyMs: null, ms: outcome.ms, gateway: outcome.gateway, steps: [] };
  if (outcome.state === 'no_agent' || outcome.state === 'agent_offline') {
    return { status: 'info', detail: `Not tested: ${outcome.message}.`, outcome: { ...base, state: outcome.state } };
  }
  if (outcome.state === 'no_gateway') {
    return { status: 'fail', detail: `Not tested: ${outcome.message}. ${await gatewayReach(deps.gatewayUrl)}`, outcome: { ...base, state: 'no_gateway' } };
  }
  if (outcome.state === 'timeout') return { status: 'fail', detail: `Not tested: ${outcome.message}.`, outcome: { ...base, state: 'timeout' } };
  const parsed = ProbeResult.safeParse(outcome.result);
  if (!parsed.success)
    return {
      status: 'fail',
      detail: 'The agent answered with a report this web app cannot read: are the agent, the gateway and the web app the same version?',
      outcome: { ...base, state: 'done' },
    };
  const r = parsed.data;
  const warned = r.steps.some((s) => s.status === 'warn');
  return {
    status: !r.ok ? 'fail' : warned ? 'warn' : 'pass',
    detail: `${sentence(r.summary)}${r.ok && warned ? ' See the warnings below.' : ''}`,
    outcome: {
      state: 'done',
      ok: r.ok,
      code: r.code ?? null,
      serverVersion: r.serverVersion ?? null,
      latencyMs: r.latencyMs,
      ms: outcome.ms,
      gateway: outcome.gateway,
      steps: r.steps,
    },
  };
}

const sentence = (s: string) => `${s.charAt(0).toUpperCase()}${s.slice(1)}${/[.!?]$/.test(s) ? '' : '.'}`;

/** Whether the gateway at this URL answers at all, in a sentence. */
async function gatewayReach(url: string): Promise<string> {
  try {
    const res = await fetch(new URL('/healthz', url), { signal: AbortSignal.timeout(2000), cache: 'no-store' });
    return res.ok
      ? `The gateway at ${url} answers, so the one holding this agent's tunnel is another, or the agent just disconnected.`
      : `The gateway at ${url} answers HTTP ${res.status}: check its log.`;
  } catch (err) {
    const c = (err as { cause?: { code?: string; message?: string } }).cause;
    const cause = (err as Error).name === 'TimeoutError' ? 'no answer within 2 s' : (c?.code ?? c?.message ?? (err as Error).message);
    return `The gateway at ${url} cannot be reached from the web app (${cause}): is it running?`;
  }
}
