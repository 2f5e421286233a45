import { EXIT } from '@hoop/protocol';
import { loadConfig } from '../config';
import type { CliEnv } from '../env';
import { formatTable } from '../format';
import { api } from '../gateway';

/** `hoop admin service-account create NAME [--role R] [--days N]`: an identity for an AI agent; prints its token once. */
export async function createServiceAccountCommand(env: CliEnv, name: string, role: string, days: number): Promise<number> {
  const config = await loadConfig(env);
  const r = await api<{ name: string; email: string; role: string; token: string; expiresAt: string }>(config, '/api/service-accounts', {
    method: 'POST',
    body: { name, role, expiresInDays: days },
  });
  process.stdout.write(
    `service account ${r.name} (${r.role}) created; its token, shown only now, expires ${r.expiresAt.slice(0, 10)}:\n\n  ` +
      `${r.token}\n\nUse it as the agent's login: HOOP_TOKEN=${r.token.slice(0, 12)}… hoop mcp, or Authorization: Bearer for /mcp.\n`,
  );
  return EXIT.ok;
}

interface ConnectionTestAnswer {
  connection: string;
  type: string;
  agent: string | null;
  state: 'done' | 'no_agent' | 'agent_offline' | 'no_gateway' | 'timeout';
  ok: boolean;
  message: string;
  gateway: string | null;
  ms: number;
  target: {
    ok: boolean;
    code?: string;
    summary: string;
    serverVersion?: string;
    latencyMs: number;
    steps: { id: string; label: string; status: 'pass' | 'fail' | 'warn' | 'skip'; detail: string; ms?: number }[];
  } | null;
}

const WORD = { pass: 'ok', fail: 'FAILED', warn: 'warn', skip: 'skip' } as const;

/**
 * `hoop admin connection test NAME`: the agent serving the connection reaches the target with its credential (for
 * postgres: TCP, TLS, login, select 1) and every step is printed. Exit 0 when it works, 1 when the target (or the
 * agent's view of it) failed, 5 when the test could not run (agent offline, no gateway holds it, no answer).
 */
export async function connectionTestCommand(env: CliEnv, name: string, output: 'text' | 'json'): Promise<number> {
  const config = await loadConfig(env);
  const r = await api<ConnectionTestAnswer>(config, `/api/connections/${encodeURIComponent(name)}/test`, { method: 'POST', timeoutMs: 30_000 });
  const code = r.state !== 'done' ? EXIT.unreachable : r.ok ? EXIT.ok : EXIT.targetError;
  if (output === 'json') {
    process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    return code;
  }
  process.stdout.write(
    `${r.connection} (${r.type})${r.agent ? `, served by agent ${r.agent}` : ''}${r.gateway ? `, tested through gateway ${r.gateway}` : ''}\n`,
  );
  if (r.target?.steps.length) {
    process.stdout.write(
      `\n${formatTable(
        ['step', 'result', 'time', 'detail'],
        r.target.steps.map((s) => [s.id, WORD[s.status], s.ms === undefined ? '' : `${s.ms} ms`, s.detail]),
      )}`,
    );
  }
  const verdict = r.state !== 'done' ? 'not tested' : r.ok ? 'ok' : `failed${r.target?.code ? ` (${r.target.code})` : ''}`;
  process.stdout.write(`\n${verdict}: ${r.message}\n`);
  return code;
}
