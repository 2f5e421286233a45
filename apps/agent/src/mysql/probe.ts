import { framePacket, writeCommand } from '@hoop/mysqlwire';
import type { AgentConnection, ProbeResult } from '@hoop/protocol';
import { networkFailure, type ProbeRecorder, type ProbeRun, remaining } from '../session/probe-recorder';
import { type MysqlTargetConfig, mysqlTargetConfigFrom } from './config';
import { simpleQuery } from './simple-query';
import { loginMysqlTarget, type MysqlLoginTrace, MysqlTargetError, type MysqlTargetSession, newMysqlLoginTrace } from './target';

/** MySQL/MariaDB: TCP, TLS as ssl-mode asks, the login with the agent's credential, then `SELECT VERSION()`, each step timed. */
export async function probeMysql(conn: AgentConnection, password: string | null, rec: ProbeRecorder, o: ProbeRun): Promise<ProbeResult> {
  const parsed = mysqlTargetConfigFrom(conn.config);
  if (typeof parsed === 'string') {
    rec.step('settings', 'Settings', 'fail', parsed);
    return rec.fail('settings', `connection "${conn.name}": ${parsed}`);
  }
  const cfg: MysqlTargetConfig = { ...parsed, connectTimeoutMs: Math.min(parsed.connectTimeoutMs, remaining(o)) };
  const trace = newMysqlLoginTrace();
  o.stage.name = () => (trace.stage === 'ready' ? 'query' : trace.stage);
  let session: MysqlTargetSession;
  try {
    session = await loginMysqlTarget(cfg, password, { attributes: { program_name: 'hoop connection test' }, maxPacket: o.maxMessage }, trace);
  } catch (err) {
    return loginFailed(err as Error, cfg, trace, rec);
  }
  session.socket.on('error', () => undefined);
  reached(cfg, trace, rec);
  rec.step('login', 'Login', 'pass', `as ${cfg.user}${cfg.database ? ` to database ${cfg.database}` : ''} (${trace.auth})`, sinceTls(trace));
  const version = `${session.mariadb ? 'MariaDB' : 'MySQL'} ${session.serverVersion.split('-')[0]}`;
  const started = Date.now();
  try {
    await simpleQuery(session, 'SELECT VERSION()', remaining(o));
  } catch (err) {
    const e = err as Error;
    rec.step('query', 'SELECT VERSION()', 'fail', e.message);
    return rec.fail('target_error', `logged in to ${where(cfg)}, but SELECT VERSION() failed: ${e.message}`, { serverVersion: version });
  } finally {
    session.socket.end(framePacket(writeCommand({ type: 'Quit' }, session.capabilities), 0));
    session.socket.destroy();
  }
  const queryMs = Date.now() - started;
  rec.step('query', 'SELECT VERSION()', 'pass', `answered in ${queryMs} ms by ${version}`, queryMs);
  const tls = typeof trace.tls === 'object' ? `, ${trace.tls.protocol}` : '';
  return rec.finish(true, `${version} at ${where(cfg)} accepted ${cfg.user} and answered SELECT VERSION() in ${queryMs} ms${tls}`, {
    serverVersion: version,
  });
}

const where = (cfg: MysqlTargetConfig) => `${cfg.host}:${cfg.port}`;
const loopback = (host: string) => host === 'localhost' || host === '::1' || host.startsWith('127.');
const sinceTls = (trace: MysqlLoginTrace) => (trace.loggedInMs ?? 0) - (trace.tlsMs ?? trace.connectedMs ?? 0);

/** The connect and TLS steps, as far as the login got. */
function reached(cfg: MysqlTargetConfig, trace: MysqlLoginTrace, rec: ProbeRecorder): void {
  if (trace.connectedMs === undefined) return;
  const via = trace.address && trace.address !== cfg.host ? ` (${trace.address})` : '';
  rec.step('connect', 'TCP', 'pass', `reached ${where(cfg)}${via}`, trace.connectedMs);
  const t = trace.tls;
  if (trace.stage === 'tls' || t === undefined) return;
  if (t === 'off') {
    const local = loopback(cfg.host);
    const why = local ? '' : ': the password and the data cross the network unencrypted';
    rec.step('tls', 'TLS', local ? 'skip' : 'warn', `not used (ssl-mode=${cfg.sslMode})${why}`, 0);
  } else if (t === 'declined') {
    rec.step(
      'tls',
      'TLS',
      'warn',
      `the target does not offer TLS, so ssl-mode=preferred went on unencrypted; enable TLS on the server and set ssl-mode=required or stricter`,
      0,
    );
  } else {
    const checked = t.verified ? 'certificate verified' : `certificate not verified (ssl-mode=${cfg.sslMode}; verify-ca and verify-identity check it)`;
    rec.step('tls', 'TLS', 'pass', `${t.protocol}, ${t.cipher}, ${checked}`, (trace.tlsMs ?? 0) - (trace.connectedMs ?? 0));
  }
}

/** MySQL error numbers of a refused login, and what to do. */
const LOGIN: Record<number, { code: string; hint: string }> = {
  1045: { code: 'auth', hint: 'the user or the password the agent uses is wrong, or the user may not connect from the agent' },
  1044: { code: 'database', hint: 'the user may not use this database' },
  1049: { code: 'database', hint: 'check the database name' },
  1040: { code: 'target_error', hint: 'the server has no free connections (max_connections)' },
  1129: { code: 'target_error', hint: 'the server blocked the agent after too many failed connections (FLUSH HOSTS)' },
  1130: { code: 'auth', hint: 'the server does not let this host connect' },
  3159: { code: 'tls', hint: 'the server requires TLS: set ssl-mode=required or stricter' },
};

function loginFailed(err: Error, cfg: MysqlTargetConfig, trace: MysqlLoginTrace, rec: ProbeRecorder): ProbeResult {
  if (trace.connectedMs === undefined) {
    const known = networkFailure(cfg.host, cfg.port, trace.errno, cfg.connectTimeoutMs);
    const detail = known?.detail ?? err.message;
    rec.step('connect', 'TCP', 'fail', detail, Date.now() - trace.startedAt);
    return rec.fail(known?.code ?? 'unreachable', detail);
  }
  reached(cfg, trace, rec);
  if (trace.stage === 'tls' || /does not offer TLS/.test(err.message)) {
    rec.step('tls', 'TLS', 'fail', err.message);
    return rec.fail('tls', `TLS with ${where(cfg)} failed (ssl-mode=${cfg.sslMode}): ${err.message}`);
  }
  if (trace.errno === 'ETIMEDOUT') {
    const detail = `${where(cfg)} accepted the connection but did not finish the login within ${cfg.connectTimeoutMs / 1000} s`;
    rec.step('login', 'Login', 'fail', detail);
    return rec.fail('timeout', detail);
  }
  const server = err instanceof MysqlTargetError ? err.server : undefined;
  const known = server ? LOGIN[server.code] : undefined;
  const detail = `${err.message}${known ? `: ${known.hint}` : ''}`;
  rec.step('login', 'Login', 'fail', `as ${cfg.user}${trace.auth ? ` (${trace.auth})` : ''}: ${detail}`);
  return rec.fail(known?.code ?? (server ? 'target_error' : 'auth'), detail);
}
