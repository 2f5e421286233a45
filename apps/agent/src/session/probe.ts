import type { AgentConnection, ProbeResult } from '@hoop/protocol';
import { resolveSecret } from '../env';
import { type ProbeOptions, ProbeRecorder, type ProbeRun } from './probe-recorder';
import type { Protocol } from './protocol';

/**
 * Tests one connection from the agent: resolves its credential the way a session would, then has the protocol of its
 * type (`protocol`, none when the agent does not serve that type) reach the target (postgres: TCP, TLS, login,
 * `select 1`; ssh: TCP, handshake, login; command: the programs and folder exist and may run). Always answers within
 * `timeoutMs`, with the exact error when something fails.
 */
export async function probeConnection(conn: AgentConnection, protocol: Protocol | undefined, o: ProbeOptions): Promise<ProbeResult> {
  const rec = new ProbeRecorder();
  rec.hide(conn.secret);
  let timer: NodeJS.Timeout | undefined;
  const deadline = Date.now() + o.timeoutMs;
  const stage = { name: () => 'credential' };
  const timedOut = new Promise<ProbeResult>((resolve) => {
    timer = setTimeout(() => {
      const at = stage.name();
      rec.step(at, 'Timed out', 'fail', `no answer within ${o.timeoutMs / 1000} s at this step`);
      resolve(
        rec.fail('timeout', `no answer within ${o.timeoutMs / 1000} s (stopped at: ${at}): a firewall that drops packets, or a target too busy to answer`),
      );
    }, o.timeoutMs);
  });
  try {
    return await Promise.race([run(conn, protocol, rec, { ...o, deadline, stage }), timedOut]);
  } catch (err) {
    return rec.fail('agent_error', `the agent could not run the test: ${(err as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}

async function run(conn: AgentConnection, protocol: Protocol | undefined, rec: ProbeRecorder, o: ProbeRun): Promise<ProbeResult> {
  const secret = await resolveSecret(conn.secretRef, conn.secret);
  if (!secret.ok) {
    rec.step('credential', 'Credential', 'fail', secret.error);
    return rec.fail('credential', `connection "${conn.name}": ${secret.error}`);
  }
  rec.hide(secret.value);
  rec.step('credential', 'Credential', 'pass', credentialDetail(conn.secretRef, secret.value !== null));
  if (protocol) return protocol.probe(conn, secret.value, rec, o);
  rec.step('settings', 'Type', 'fail', `this agent does not serve ${conn.type} connections yet`);
  return rec.fail('settings', `connection type ${conn.type} is not supported by this agent yet`);
}

function credentialDetail(ref: string | null, present: boolean): string {
  if (!ref) return 'none configured: the target is reached without one';
  if (ref === 'stored') return 'the stored secret, sent by the gateway to this agent only';
  if (ref.startsWith('env:')) return `read from the environment variable ${ref.slice(4)} on the agent${present ? '' : ' (empty)'}`;
  if (ref.startsWith('file:')) return `read from ${ref.slice(5)} on the agent`;
  return ref.split(':')[0] ?? '';
}
