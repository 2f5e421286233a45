import { type AgentConnection, httpTargetConfigFrom, type ProbeResult } from '@hoop/protocol';
import type { ProbeRecorder } from '../session/probe-recorder';
import { signerFor } from './aws-signer';
import { httpTarget } from './upstream';
import http from 'node:http';
import https from 'node:https';
import { forwardedHeaders } from './upstream';

/** "Test connection" for an HTTP API: the settings, then `GET /` at the base URL with the credential, as a session sends it. */
export async function probeHttp(conn: AgentConnection, secret: string | null, rec: ProbeRecorder): Promise<ProbeResult> {
  const config = httpTargetConfigFrom(conn.config);
  if (typeof config === 'string') {
    rec.step('settings', 'Settings', 'fail', config);
    return rec.fail('settings', `connection "${conn.name}": ${config}`);
  }
  rec.step('settings', 'Settings', 'pass', `${config.baseUrl} (${config.authType})`);
  const signer = await signerFor(config);
  if (typeof signer === 'string') {
    rec.step('login', 'Credential', 'fail', signer);
    return rec.fail('credential', `connection "${conn.name}": ${signer}`);
  }
  if (config.authType !== 'none' && !signer && !secret) {
    rec.step('login', 'Credential', 'fail', 'the connection has no credential');
    return rec.fail('credential', `connection "${conn.name}" sends a ${config.authType} credential but has none; set it as the connection's credential`);
  }
  const target = httpTarget(config, { http: new http.Agent(), https: (ca) => new https.Agent(ca ? { ca } : {}) });
  const got = await new Promise<{ status: number } | { error: string }>((resolve) => {
    const headers = forwardedHeaders({ accept: '*/*' }, config, secret);
    signer?.sign('GET', '/', headers, null, {});
    const call = target.call('GET', '/', headers, {
      response: (r) => {
        r.body.resume();
        r.body.on('error', () => undefined);
        resolve({ status: r.head.status });
        r.body.destroy();
      },
      failed: (message) => resolve({ error: message }),
    });
    call.end();
  });
  if ('error' in got) {
    rec.step('connect', 'Reach the API', 'fail', got.error);
    return rec.fail('unreachable', got.error);
  }
  rec.step('connect', 'Reach the API', 'pass', `${config.baseUrl} answered ${got.status}`);
  if (got.status === 401 || got.status === 403) {
    rec.step('login', 'Credential', 'fail', `the API refused the credential (${got.status} for GET /)`);
    return rec.fail('auth', `the API answered ${got.status} to GET ${config.baseUrl}/ with the connection's credential`);
  }
  rec.step('login', 'Credential', 'pass', `GET / answered ${got.status}`);
  return rec.finish(true, `${config.baseUrl} answers with the connection's credential`);
}
