import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EXIT } from '@hoop/protocol';
import { configPath, loadConfig } from '../config';
import type { CliEnv } from '../env';
import { usage } from '../errors';
import { directUrl, pgListenerPort } from './ca';

const BIN = path.resolve(import.meta.dirname, '../../bin/hoop.mjs');

/**
 * `hoop claude configure [--scope user|project] [--dry-run]`: adds hoop to Claude Code's MCP servers — in
 * ~/.claude.json (user scope) or ./.mcp.json (project scope) — keeping everything else in the file as it was.
 */
export async function claudeConfigure(env: CliEnv, opts: { scope: string; dryRun: boolean }): Promise<number> {
  if (opts.scope !== 'user' && opts.scope !== 'project') throw usage('--scope is user or project');
  const file = opts.scope === 'user' ? path.join(env.home, '.claude.json') : path.join(env.cwd, '.mcp.json');
  let doc: Record<string, unknown> = {};
  if (existsSync(file)) {
    try {
      doc = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    } catch {
      throw usage(`${file} is not valid JSON; fix or move it, then run this again`);
    }
  }
  const entry = {
    type: 'stdio',
    command: process.execPath,
    args: [BIN, 'mcp'],
    env: { HOOP_CONFIG: path.resolve(configPath(env)) },
  };
  const servers = (doc.mcpServers && typeof doc.mcpServers === 'object' ? doc.mcpServers : {}) as Record<string, unknown>;
  const next = { ...doc, mcpServers: { ...servers, hoop: entry } };
  const snippet = JSON.stringify({ mcpServers: { hoop: entry } }, null, 2);
  if (opts.dryRun) {
    process.stdout.write(`would write to ${file}:\n${snippet}\n${await directNote(env)}`);
    return EXIT.ok;
  }
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
  process.stdout.write(
    `wrote the "hoop" MCP server to ${file}:\n${snippet}\nRestart Claude Code; ` +
      `its tools appear as hoop: list_connections, describe_schema, run_query, get_session.\n`,
  );
  process.stdout.write(await directNote(env));
  return EXIT.ok;
}

/** Tools that take a connection string (psql, an ORM, a migration tool) reach the gateway's Postgres listener directly. */
async function directNote(env: CliEnv): Promise<string> {
  const config = await loadConfig(env).catch(() => null);
  const port = config ? await pgListenerPort(config) : null;
  if (!config || !port) return '';
  return (
    `\nPostgres clients need no MCP server and no local port: point them at the gateway's listener, a hoop token as the password\n` +
    `  DATABASE_URL="${directUrl(config, port, '<connection>', 'sslmode=require')}" PGPASSWORD=<token>\n` +
    `  (or sslmode=verify-full&sslrootcert=FILE with the CA \`hoop ca --out FILE\` writes)\n`
  );
}
