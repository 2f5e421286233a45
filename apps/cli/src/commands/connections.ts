import { loadConfig } from '../config';
import type { CliEnv } from '../env';
import { api } from '../gateway';
import type { ConnectionSummary } from './connect';
import { formatTable } from '../format';

export async function connectionsCommand(env: CliEnv, output: 'text' | 'json'): Promise<void> {
  const config = await loadConfig(env);
  const { connections } = await api<{ connections: ConnectionSummary[] }>(config, '/api/connections');
  if (output === 'json') {
    process.stdout.write(`${JSON.stringify(connections, null, 2)}\n`);
    return;
  }
  if (connections.length === 0) {
    process.stdout.write('no connections yet; an admin can add one in the web app\n');
    return;
  }
  process.stdout.write(
    formatTable(
      ['name', 'type', 'agent', 'status', 'tags'],
      connections.map((c) => [c.name, c.type, c.agent ?? '-', c.agent ? (c.online ? 'online' : 'offline') : 'no agent', c.tags.join(',')]),
    ),
  );
}
