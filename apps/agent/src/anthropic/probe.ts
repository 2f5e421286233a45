import { type AgentConnection, anthropicConfigFrom, type ProbeResult } from '@hoop/protocol';
import type { ProbeRecorder } from '../session/probe-recorder';

/** "Test connection" for the model API: the settings, then `GET /v1/models` with the org's key, as a session would send it. */
export async function probeAnthropic(conn: AgentConnection, secret: string | null, rec: ProbeRecorder): Promise<ProbeResult> {
  const config = anthropicConfigFrom(conn.config);
  if (typeof config === 'string') {
    rec.step('settings', 'Settings', 'fail', config);
    return rec.fail('settings', `connection "${conn.name}": ${config}`);
  }
  rec.step('settings', 'Settings', 'pass', config.baseUrl);
  if (!secret) {
    rec.step('login', 'API key', 'fail', 'the connection has no API key');
    return rec.fail('credential', `connection "${conn.name}" has no API key; set it as the connection's credential`);
  }
  let res: Response;
  try {
    res = await fetch(`${config.baseUrl}/v1/models`, {
      headers: { 'x-api-key': secret, 'anthropic-version': '2023-06-01' },
      signal: AbortSignal.timeout(config.connectTimeoutMs),
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const why = e.cause?.message ?? e.message;
    rec.step('connect', 'Reach the API', 'fail', `${config.baseUrl}: ${why}`);
    return rec.fail('unreachable', `the agent cannot reach ${config.baseUrl}: ${why}`);
  }
  rec.step('connect', 'Reach the API', 'pass', `${config.baseUrl} answered ${res.status}`);
  const text = (await res.text().catch(() => '')).slice(0, 500);
  if (res.status === 401 || res.status === 403) {
    rec.step('login', 'API key', 'fail', `the API refused the key (${res.status}): ${text}`);
    return rec.fail('auth', `the model API refused the connection's API key (${res.status})`);
  }
  if (!res.ok) {
    rec.step('login', 'API key', 'fail', `${res.status}: ${text}`);
    return rec.fail('target_error', `the model API answered ${res.status}`);
  }
  rec.step('login', 'API key', 'pass', 'the API accepted the key (GET /v1/models)');
  return rec.finish(true, `${config.baseUrl} accepts the connection's API key`);
}
