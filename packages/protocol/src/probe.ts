import { z } from 'zod';

/**
 * Connection tests: the gateway asks the agent serving a connection to reach its target with the agent's own
 * credential (`probe`), and the agent answers with what it did, step by step (`probe_result`). The secret never
 * appears in an answer.
 */

/** How long an agent may take to test a connection, at most; the gateway waits a little longer for the answer. */
export const PROBE_TIMEOUT_MS = 10_000;
/** Tests an agent runs at once; more are refused (`busy`) rather than queued. */
export const PROBE_CONCURRENCY = 4;

export const ProbeStatus = z.enum(['pass', 'fail', 'warn', 'skip']);
export type ProbeStatus = z.infer<typeof ProbeStatus>;

/** One thing the agent did: resolve the credential, connect, negotiate TLS, log in, run a query, find a program… */
export const ProbeStep = z.object({
  /** credential | settings | connect | tls | handshake | login | query | executable | cwd | env | terminal | … */
  id: z.string().max(40),
  label: z.string().max(100),
  status: ProbeStatus,
  detail: z.string().max(2000),
  /** how long the step took on the agent */
  ms: z.number().nonnegative().optional(),
});
export type ProbeStep = z.infer<typeof ProbeStep>;

/**
 * Why a test failed, for programs and tests. settings | credential | host_not_found | refused | unreachable | timeout |
 * tls | auth | database | host_key | not_found | not_executable | target_error | busy | agent_error.
 */
export const ProbeCode = z.string().max(40);

export const ProbeResult = z.object({
  ok: z.boolean(),
  /** one line: what answered and how fast, or the exact error */
  summary: z.string().max(2000),
  code: ProbeCode.optional(),
  /** what the target says it runs (PostgreSQL 15.8, OpenSSH_9.2p1 …) */
  serverVersion: z.string().max(200).optional(),
  /** from the start of the test to its end, on the agent */
  latencyMs: z.number().nonnegative(),
  steps: z.array(ProbeStep).max(20),
});
export type ProbeResult = z.infer<typeof ProbeResult>;
