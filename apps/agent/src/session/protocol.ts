import type { Duplex } from 'node:stream';
import type { Logger } from '@hoop/log';
import type { AgentConnection, ConnectionMode, ProbeResult } from '@hoop/protocol';
import type { MemoryBudget } from './memory-budget';
import type { PolicyHooks } from './policy-hooks';
import type { ProbeRecorder, ProbeRun } from './probe-recorder';

/**
 * A protocol the agent serves: one folder (postgres/, ssh/, …) whose plug-in protocols.ts registers by connection type.
 * The agent makes each plug-in once, so what it keeps across sessions (Postgres: the cancel keys it gave clients)
 * lives as long as the agent.
 *
 * `serve` takes one session the gateway opened. It checks the connection's settings and gets its credential
 * (`session.credential()`), and rejects the open with a reason the client sees when either fails; then it accepts the
 * stream and speaks the protocol to the client and to the target. What a protocol must do with every session:
 * - judge each statement or command through `session.hooks.judge` before any of it reaches the target: `deny` is
 *   refused in the protocol's own way with the verdict's words (session/refusals.ts), `review` is held until
 *   `hooks.requestReview` hears a decision (no `requestReview`: refused as a deny);
 * - mask what the target sends back before the client sees it (`hooks.maskText`, `hooks.columnMasker`);
 * - record through `session.audit`: each statement with its decision (its text masked by `hooks.maskAudit`), and
 *   `session.close` at the end with the values masked (`hooks.takeMaskCounts`);
 * - count what it holds of the client's input in `session.budget`, and end the session when the budget refuses.
 *
 * `probe` tests a connection (the web app's "Test connection"): it reaches the target and logs in as a session would,
 * recording each step in `rec`, and answers with the exact error of the step that failed.
 */
export interface Protocol {
  serve(session: SessionOpen): Promise<void>;
  probe(conn: AgentConnection, secret: string | null, rec: ProbeRecorder, run: ProbeRun): Promise<ProbeResult>;
}

/** What the agent was started with that sessions need. */
export interface AgentSettings {
  /** largest message accepted from a client or a target, in bytes */
  maxMessage: number;
  /** the agent's data folder (its SSH host key), if it has one */
  dataDir: string | undefined;
  /** PATH, HOME and LANG of the agent, for command connections */
  baseEnv: { PATH: string; HOME: string; LANG: string };
}

/** One session the gateway asks the agent to serve, with what the agent gives it. */
export interface SessionOpen {
  /** the connection as configured when the session opened */
  readonly conn: AgentConnection;
  /** the connection as last configured: a policy the gateway pushes applies to sessions already open */
  current(): AgentConnection;
  readonly sessionId: string;
  readonly mode: ConnectionMode;
  /** who the session is for, as the gateway authenticated them (groups: their hoop groups and roles); null from an older gateway */
  readonly user: { id: string; email: string; name: string; groups: string[] } | null;
  /** the connection's policy: judge, review, mask */
  readonly hooks: PolicyHooks;
  /** what all sessions of the agent may hold of client input not passed on yet */
  readonly budget: MemoryBudget;
  readonly settings: AgentSettings;
  readonly log: Logger;
  /** refuses the session before its stream is accepted: `code` for programs, `message` for the person */
  reject(code: string, message: string): void;
  /** the connection's credential, resolved on the agent; null when it cannot be (the session was rejected, saying why) */
  credential(): Promise<{ value: string | null } | null>;
  /** accepts the stream and records the session's opening; `details`: what the protocol records of it besides */
  accept(details?: Record<string, unknown>): Duplex;
  /** records an event of the session; `session.close` ends its record */
  audit(type: string, data: Record<string, unknown>): void;
}
