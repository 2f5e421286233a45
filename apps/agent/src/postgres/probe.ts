import { type BackendMessage, query, terminate } from '@hoop/pgwire';
import type { AgentConnection, ProbeResult } from '@hoop/protocol';
import { networkFailure, type ProbeRecorder, type ProbeRun, remaining } from '../session/probe-recorder';
import { type LoginTrace, loginTarget, newLoginTrace, type TargetConfig, targetConfigFrom, TargetError, type TargetSession } from './target';

/** Postgres: TCP, TLS as sslmode asks, the login with the agent's credential, then `select 1`, each step timed. */
export async function probePostgres(conn: AgentConnection, password: string | null, rec: ProbeRecorder, o: ProbeRun): Promise<ProbeResult> {
  const parsed = targetConfigFrom(conn.config);
  if (typeof parsed === 'string') {
    rec.step('settings', 'Settings', 'fail', parsed);
    return rec.fail('settings', `connection "${conn.name}": ${parsed}`);
  }
  const cfg: TargetConfig = { ...parsed, connectTimeoutMs: Math.min(parsed.connectTimeoutMs, remaining(o)) };
  const trace = newLoginTrace();
  o.stage.name = () => (trace.stage === 'ready' ? 'query' : trace.stage);
  let session: TargetSession;
  try {
    session = await loginTarget(cfg, password, { application_name: 'hoop connection test' }, o.maxMessage, trace);
  } catch (err) {
    return loginFailed(err as Error, cfg, trace, rec);
  }
  reached(cfg, trace, rec);
  rec.step(
    'login',
    'Login',
    'pass',
    `as ${cfg.user} to database ${cfg.database}${trace.auth ? ` (${authName(trace.auth)})` : ''}`,
    (trace.loggedInMs ?? 0) - (trace.tlsMs ?? trace.connectedMs ?? 0),
  );
  const version = trace.parameters.server_version ? `PostgreSQL ${trace.parameters.server_version.split(' ')[0]}` : undefined;
  const started = Date.now();
  try {
    await selectOne(session, remaining(o));
  } catch (err) {
    const e = err as TargetError;
    rec.step('query', 'select 1', 'fail', e.message);
    return rec.fail('target_error', `logged in to ${where(cfg)}, but select 1 failed: ${e.message}`, version ? { serverVersion: version } : {});
  } finally {
    session.socket.end(terminate());
    session.socket.destroy();
  }
  const queryMs = Date.now() - started;
  rec.step('query', 'select 1', 'pass', `answered in ${queryMs} ms${version ? ` by ${version}` : ''}`, queryMs);
  const tls = typeof trace.tls === 'object' ? `, ${trace.tls.protocol}` : '';
  return rec.finish(
    true,
    `${version ?? 'PostgreSQL'} at ${where(cfg)} accepted ${cfg.user} and answered select 1 in ${queryMs} ms${tls}`,
    version ? { serverVersion: version } : {},
  );
}

const where = (cfg: TargetConfig) => `${cfg.host}:${cfg.port}`;
const authName = (a: NonNullable<LoginTrace['auth']>) =>
  ({ trust: 'no password asked', cleartext: 'password in clear text', md5: 'MD5 password', 'scram-sha-256': 'SCRAM-SHA-256' })[a];
const loopback = (host: string) => host === 'localhost' || host === '::1' || host.startsWith('127.');

/** The connect and TLS steps, as far as the login got. */
function reached(cfg: TargetConfig, trace: LoginTrace, rec: ProbeRecorder): void {
  if (trace.connectedMs === undefined) return;
  const via = trace.address && trace.address !== cfg.host ? ` (${trace.address})` : '';
  rec.step('connect', 'TCP', 'pass', `reached ${where(cfg)}${via}`, trace.connectedMs);
  if (trace.stage === 'tls') return;
  const t = trace.tls;
  if (t === 'off') {
    rec.step(
      'tls',
      'TLS',
      loopback(cfg.host) ? 'skip' : 'warn',
      `not used (sslmode=${cfg.sslmode})${loopback(cfg.host) ? '' : ': the password and the data cross the network unencrypted'}`,
      0,
    );
  } else if (t === 'declined') {
    rec.step(
      'tls',
      'TLS',
      'warn',
      `the target does not offer TLS, so sslmode=${cfg.sslmode} went on unencrypted; require TLS on the server and set sslmode=require or stricter`,
      (trace.tlsMs ?? 0) - trace.connectedMs,
    );
  } else if (t) {
    const checked = t.verified ? 'certificate verified' : `certificate not verified (sslmode=${cfg.sslmode}; verify-full also checks it)`;
    rec.step('tls', 'TLS', 'pass', `${t.protocol}, ${t.cipher}, ${checked}`, (trace.tlsMs ?? 0) - trace.connectedMs);
  }
}

const LOGIN: Record<string, { code: string; hint: string }> = {
  '28P01': { code: 'auth', hint: 'the password the agent uses is wrong' },
  '28000': { code: 'auth', hint: 'the server refuses this user from the agent (pg_hba.conf, or the role cannot log in)' },
  '3D000': { code: 'database', hint: 'check the database name' },
  '53300': { code: 'target_error', hint: 'the server has no free connection slots' },
  '57P03': { code: 'target_error', hint: 'the server is starting up or shutting down' },
};

function loginFailed(err: Error, cfg: TargetConfig, trace: LoginTrace, rec: ProbeRecorder): ProbeResult {
  if (trace.stage === 'connect') {
    const known = networkFailure(cfg.host, cfg.port, trace.errno, cfg.connectTimeoutMs);
    const detail = known?.detail ?? err.message;
    rec.step('connect', 'TCP', 'fail', detail, Date.now() - trace.startedAt);
    return rec.fail(known?.code ?? 'unreachable', detail);
  }
  reached(cfg, trace, rec);
  if (trace.errno === 'ETIMEDOUT') {
    const tlsStage = trace.stage === 'tls';
    const stage = tlsStage ? 'TLS handshake' : 'login';
    const detail = `${where(cfg)} accepted the connection but did not finish the ${stage} within ${cfg.connectTimeoutMs / 1000} s`;
    rec.step(tlsStage ? 'tls' : 'login', tlsStage ? 'TLS' : 'Login', 'fail', detail);
    return rec.fail('timeout', detail);
  }
  if (trace.stage === 'tls') {
    rec.step('tls', 'TLS', 'fail', err.message);
    return rec.fail('tls', `TLS with ${where(cfg)} failed (sslmode=${cfg.sslmode}): ${err.message}`);
  }
  const fields = err instanceof TargetError ? err.fields : {};
  const sqlstate = fields.C;
  const known = sqlstate ? LOGIN[sqlstate] : undefined;
  const noSecret = /has no secret configured/.test(err.message);
  const detail = `${err.message}${sqlstate ? ` (SQLSTATE ${sqlstate})` : ''}${known ? `: ${known.hint}` : ''}`;
  rec.step('login', 'Login', 'fail', `as ${cfg.user} to database ${cfg.database}${trace.auth ? ` (${authName(trace.auth)})` : ''}: ${detail}`);
  return rec.fail(noSecret ? 'credential' : (known?.code ?? (sqlstate ? 'target_error' : 'auth')), detail);
}

/** Runs `select 1` on a logged-in session and waits for ReadyForQuery. */
function selectOne(session: TargetSession, timeoutMs: number): Promise<void> {
  const { socket, parser } = session;
  return new Promise((resolve, reject) => {
    let error: TargetError | null = null;
    const done = (e: Error | null) => {
      clearTimeout(timer);
      socket.removeListener('data', onData);
      socket.removeListener('close', onClose);
      if (e) reject(e);
      else resolve();
    };
    const timer = setTimeout(() => done(new TargetError(`no answer within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
    const onMessage = (m: BackendMessage) => {
      if (m.type === 'ErrorResponse') error = new TargetError(m.fields.M ?? 'error', m.fields);
      else if (m.type === 'ReadyForQuery') done(error);
    };
    const onData = (chunk: Buffer) => {
      try {
        parser.push(chunk, onMessage);
      } catch (err) {
        done(new TargetError(`unreadable answer: ${(err as Error).message}`));
      }
    };
    const onClose = () => done(new TargetError('the target closed the connection'));
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.write(query('select 1'));
  });
}
