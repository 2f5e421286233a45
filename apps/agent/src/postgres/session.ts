import type { Duplex } from 'node:stream';
import {
  authenticationOk,
  type BackendMessage,
  backendKeyData,
  errorResponse,
  type FrontendMessage,
  FrontendParser,
  MessageBuffer,
  PgWireError,
  readyForQuery,
  sslNo,
} from '@hoop/pgwire';
import type { Logger } from '@hoop/log';
import type { MemoryBudget } from '../session/memory-budget';
import type { CancelRegistry } from './cancel';
import type { PgSessionHooks } from './hooks';
import { SessionRecords } from './records';
import { QueryRelay } from './relay';
import { startupSettings } from './startup-settings';
import { loginTarget, type TargetConfig, TargetError, type TargetSession } from './target';

/**
 * While a result streams in, what the client gets is sent once this much has gathered (one tunnel frame, not one per
 * read from the target, which hands over 8–16 KB at a time) …
 */
const COALESCE_BYTES = 48 * 1024;
/** … or this long after the first unsent byte; the end of every response (ReadyForQuery) is sent at once. */
const COALESCE_MS = 1;
/** A client that has not sent its whole startup message by then is closed (Postgres' own limit is a minute). */
export const STARTUP_TIMEOUT_MS = 5000;

export interface PgSessionOptions {
  sessionId: string;
  target: TargetConfig;
  password: string | null;
  readOnly: boolean;
  /** statement_timeout for the target session (agent sessions), in ms */
  statementTimeoutMs?: number;
  maxMessage: number;
  /** what all sessions of the agent may hold of client input not passed on yet */
  budget?: MemoryBudget;
  /** how long a client may take to send its startup message (default STARTUP_TIMEOUT_MS) */
  startupTimeoutMs?: number;
  hooks: PgSessionHooks;
  cancels: CancelRegistry;
  log: Logger;
  audit(type: string, data: Record<string, unknown>): void;
}

/**
 * One client session on a Postgres connection. The agent answers the client's startup itself (the person was
 * authenticated by the gateway, so any user name or password the local client sends is fine), logs into the target
 * with its own credentials, then relays messages through the policy hooks.
 */
export function servePostgres(client: Duplex, o: PgSessionOptions): void {
  const parser = new FrontendParser({ maxMessageSize: o.maxMessage });
  let phase: 'startup' | 'connecting' | 'ready' | 'closed' = 'startup';
  let waiting: FrontendMessage[] = [];
  let waitingBytes = 0;
  const share = o.budget?.share();
  let relay: QueryRelay | null = null;
  let target: TargetSession | null = null;
  let releaseKey: (() => void) | null = null;
  const started = Date.now();
  // the session's audit records, in order; a finished round's are made just before its answer is written (records.ts)
  const records = new SessionRecords(o.audit, (err) => o.log.error('audit record failed', { session: o.sessionId, error: err.message }));
  // what the client gets is gathered into one buffer per flush (rows are written into it as they are masked)
  const toClient = new MessageBuffer(4096);
  let toTarget: Uint8Array[] = [];
  let coalescing: NodeJS.Timeout | null = null;

  /**
   * Client input this session holds and has not passed on: a message still arriving, and messages queued while the
   * target logs in, behind a statement held for review, or for answers to earlier rounds.
   */
  const held = () => parser.buffered + waitingBytes + (relay?.heldBytes ?? 0);

  const flush = () => {
    // what was passed on since (a held statement decided, a queue replayed) leaves the agent's budget
    if (share && share.bytes > held()) share.hold(held());
    if (coalescing) {
      clearTimeout(coalescing);
      coalescing = null;
    }
    // the records of the answers about to be written are made first: on disk before the client has the answers
    records.beforeWrite();
    const bytes = toClient.take();
    if (bytes !== null && !client.destroyed) {
      const ok = client.write(bytes);
      if (!ok && target) {
        target.socket.pause();
        client.once('drain', () => target?.socket.resume());
      }
    }
    if (toTarget.length > 0 && target && !target.socket.destroyed) {
      const ok = target.socket.write(toTarget.length === 1 ? toTarget[0]! : Buffer.concat(toTarget));
      toTarget = [];
      if (!ok) {
        client.pause();
        target.socket.once('drain', () => client.resume());
      }
      relay?.sent();
    }
  };

  const close = (reason: string) => {
    if (phase === 'closed') return;
    phase = 'closed';
    clearTimeout(startupTimer);
    share?.release();
    flush();
    relay?.dispose();
    releaseKey?.();
    target?.socket.end();
    client.end();
    records.record('session.close', { reason, statements: relay?.statementCount ?? 0, durationMs: Date.now() - started, masked: relay?.maskedTotals ?? {} });
  };

  const isClosed = () => phase === 'closed';

  const fatal = (code: string, message: string) => {
    toClient.append(errorResponse({ severity: 'FATAL', code, message }));
    close(message);
  };

  const startupLimit = o.startupTimeoutMs ?? STARTUP_TIMEOUT_MS;
  const startupTimer = setTimeout(() => {
    if (phase === 'startup') fatal('08P01', `no complete startup message within ${startupLimit / 1000} s`);
  }, startupLimit);

  const onClientMessage = (m: FrontendMessage) => {
    if (phase === 'connecting') {
      waiting.push(m);
      waitingBytes += m.raw.length;
      return;
    }
    if (phase === 'ready') {
      if (relay!.fromClient(m) === 'terminate') close('client terminated');
      return;
    }
    if (phase !== 'startup') return;
    switch (m.type) {
      case 'SSLRequest':
      case 'GSSENCRequest':
        // the hop to the agent is already inside the authenticated, encrypted tunnel
        toClient.append(sslNo());
        return;
      case 'CancelRequest':
        phase = 'closed';
        clearTimeout(startupTimer);
        void o.cancels
          .cancel(m.processId, m.secretKey)
          .then(
            (found) => records.record('cancel', { found }),
            (err: Error) => o.log.warn('cancel request failed', { error: err.message }),
          )
          .finally(() => {
            client.end();
            // its trail ends like any session's, or the agent keeps it spooled (and the session open) for ever
            records.record('session.close', { reason: 'cancel request', statements: 0, durationMs: Date.now() - started, masked: {} });
          });
        return;
      case 'StartupMessage':
        if (m.params.replication) return fatal('08P01', 'replication connections are not supported through hoop');
        phase = 'connecting';
        clearTimeout(startupTimer);
        void connect(m.params);
        return;
      default:
        fatal('08P01', `expected a startup message, got ${m.type}`);
    }
  };

  const connect = async (params: Record<string, string>) => {
    const settings = startupSettings(params, { readOnly: o.readOnly, statementTimeoutMs: o.statementTimeoutMs, judge: (sql) => o.hooks.judge(sql) });
    if ('error' in settings) {
      records.record('error', { stage: 'startup', message: settings.error.message });
      toClient.append(errorResponse(settings.error));
      close(settings.error.message);
      return;
    }
    const forwarded = settings.params;
    try {
      target = await loginTarget(o.target, o.password, forwarded, o.maxMessage);
    } catch (err) {
      const e = err as Error;
      records.record('error', { stage: 'target-login', message: e.message });
      fatal(e instanceof TargetError && e.fields.C ? e.fields.C : '08001', e.message);
      flush();
      return;
    }
    if (phase === 'closed') {
      target.socket.destroy();
      return;
    }
    const key = o.cancels.register({ cfg: o.target, processId: target.processId, secretKey: target.secretKey });
    releaseKey = key.release;
    for (const m of [authenticationOk(), ...target.parameterStatus, backendKeyData(key.processId, key.secretKey), readyForQuery(target.txStatus)])
      toClient.append(m);
    const r = new QueryRelay(
      {
        client: toClient,
        toTarget: (b) => toTarget.push(b),
        audit: (type, data) => records.record(type, data),
        auditWithAnswer: (make) => records.later(make),
        flush: () => flush(),
        terminate: () => close('client terminated'),
      },
      o.hooks,
      target.txStatus,
    );
    relay = r;
    const t = target;
    const onMessage = (msg: BackendMessage) => r.fromTarget(msg);
    const onDataRow = (buf: Buffer, start: number, end: number) => r.dataRow(buf, start, end);
    t.socket.on('data', (chunk: Buffer) => {
      try {
        t.parser.push(chunk, onMessage, onDataRow);
      } catch (err) {
        fatal('08P01', `the target sent a malformed message: ${(err as Error).message}`);
      }
      if (toClient.length >= COALESCE_BYTES || r.idle) flush();
      else coalescing ??= setTimeout(flush, COALESCE_MS);
    });
    t.socket.on('close', () => close('target closed the connection'));
    t.socket.on('error', (err) => o.log.warn('target socket error', { session: o.sessionId, error: err.message }));
    phase = 'ready';
    records.record('session.ready', { targetHost: o.target.host, database: o.target.database, application: params.application_name ?? null });
    const pending = waiting;
    waiting = [];
    waitingBytes = 0;
    for (const m of pending) onClientMessage(m);
    flush();
  };

  client.on('data', (chunk: Buffer) => {
    if (phase === 'closed') return;
    try {
      parser.push(chunk, onClientMessage);
    } catch (err) {
      if (err instanceof PgWireError) fatal(err.code, err.message);
      else fatal('XX000', `internal error: ${(err as Error).message}`);
    }
    // (the push may have ended the session)
    if (share && !isClosed() && !share.hold(held())) {
      const bytes = held();
      const review = relay?.holding ?? false;
      o.log.warn('session ended: input memory budget used up', { session: o.sessionId, holds: bytes, agentTotal: o.budget!.inUse, heldForReview: review });
      fatal(
        '53200',
        review
          ? o.budget!.refusal(
              bytes - share.bytes,
              'sent while a statement waits for approval',
              'the statement did not run; send it again and wait for the decision before sending more',
            )
          : o.budget!.refusal(bytes - share.bytes, 'a message still arriving or queued', 'send smaller messages'),
      );
    }
    flush();
  });
  client.on('end', () => close('client disconnected'));
  client.on('close', () => close('client disconnected'));
  client.on('error', () => close('client stream failed'));
}
