import { EXIT } from '@hoop/protocol';
import { loadConfig } from '../config';
import type { CliEnv } from '../env';
import { api } from '../gateway';

/** `hoop admin service-account create NAME [--role R] [--days N]`: an identity for an AI agent; prints its token once. */
export async function createServiceAccountCommand(env: CliEnv, name: string, role: string, days: number): Promise<number> {
  const config = await loadConfig(env);
  const r = await api<{ name: string; email: string; role: string; token: string; expiresAt: string }>(config, '/api/service-accounts', { method: 'POST', body: { name, role, expiresInDays: days } });
  process.stdout.write(`service account ${r.name} (${r.role}) created; its token, shown only now, expires ${r.expiresAt.slice(0, 10)}:\n\n  ${r.token}\n\nUse it as the agent's login: HOOP_TOKEN=${r.token.slice(0, 12)}… hoop mcp, or Authorization: Bearer for /mcp.\n`);
  return EXIT.ok;
}
