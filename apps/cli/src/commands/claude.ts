import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { EXIT } from '@hoop/protocol';
import { type CliConfig, configPath, loadConfig } from '../config';
import type { CliEnv } from '../env';
import { CliError, usage } from '../errors';
import { api } from '../gateway';
import { directUrl, pgListenerPort } from './ca';
import type { ConnectionSummary } from './connect';

const BIN = path.resolve(import.meta.dirname, '../../bin/hoop.mjs');

const USAGE =
  'usage: hoop claude configure [--connection NAME] [--scope user|project] [--dry-run]\n' + '       hoop claude [--connection NAME] [-- CLAUDE-ARGS…]';

/** `hoop claude configure …` and `hoop claude [--connection NAME] -- ARGS` (everything after `--` goes to claude). */
export async function claudeCommand(env: CliEnv, argv: string[]): Promise<number> {
  const dashes = argv.indexOf('--');
  const own = dashes < 0 ? argv : argv.slice(0, dashes);
  const passed = dashes < 0 ? [] : argv.slice(dashes + 1);
  const configure = own[0] === 'configure';
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: configure ? own.slice(1) : own,
      options: { connection: { type: 'string', short: 'c' }, scope: { type: 'string' }, 'dry-run': { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    }));
  } catch (err) {
    throw usage(`${(err as Error).message}\n${USAGE}`);
  }
  if (positionals.length > 0) throw usage(`unexpected ${positionals[0]}\n${USAGE}`);
  const connection = values.connection as string | undefined;
  if (configure) return claudeConfigure(env, { scope: (values.scope as string | undefined) ?? 'user', dryRun: Boolean(values['dry-run']), connection });
  if (values.scope !== undefined || values['dry-run']) throw usage(`--scope and --dry-run are options of hoop claude configure\n${USAGE}`);
  return claudeRun(env, { connection, args: passed });
}

/** The environment that points Claude Code's model API at hoop: the connection's URL on the gateway, the user's token. */
export function modelApiEnv(config: CliConfig, connection: string): { ANTHROPIC_BASE_URL: string; ANTHROPIC_AUTH_TOKEN: string } {
  const gateway = new URL(config.gatewayUrl);
  if (gateway.protocol === 'ws:') gateway.protocol = 'http:';
  if (gateway.protocol === 'wss:') gateway.protocol = 'https:';
  const base = `${gateway.origin}${gateway.pathname.replace(/\/+$/, '')}/anthropic/${encodeURIComponent(connection)}`;
  return { ANTHROPIC_BASE_URL: base, ANTHROPIC_AUTH_TOKEN: config.token };
}

/** The anthropic connection to use: the one named, else the only one the user has (null: none; several: name one). */
async function modelConnection(config: CliConfig, named: string | undefined): Promise<string | null> {
  if (named) return named;
  const { connections } = await api<{ connections: ConnectionSummary[] }>(config, '/api/connections');
  const models = connections.filter((c) => c.type === 'anthropic').map((c) => c.name);
  if (models.length > 1) throw usage(`there are several model API connections (${models.join(', ')}): name one with --connection`);
  return models[0] ?? null;
}

async function readJson(file: string): Promise<Record<string, unknown>> {
  if (!existsSync(file)) return {};
  try {
    const v = JSON.parse(await readFile(file, 'utf8')) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {}
  throw usage(`${file} is not a JSON object; fix or move it, then run this again`);
}

async function writeJson(file: string, doc: Record<string, unknown>): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600 });
}

/**
 * `hoop claude configure [--connection NAME] [--scope user|project] [--dry-run]`: adds hoop to Claude Code's MCP
 * servers — in ~/.claude.json (user scope) or ./.mcp.json (project scope) — and, when there is a model API (anthropic)
 * connection, points Claude Code's model API at it: ANTHROPIC_BASE_URL and ANTHROPIC_AUTH_TOKEN (the user's hoop token)
 * in the `env` of ~/.claude/settings.json, or of ./.claude/settings.local.json for the project (the file Claude Code
 * keeps out of version control: the token is the user's own). Everything else in the files is kept as it was.
 */
export async function claudeConfigure(env: CliEnv, opts: { scope: string; dryRun: boolean; connection?: string }): Promise<number> {
  if (opts.scope !== 'user' && opts.scope !== 'project') throw usage('--scope is user or project');
  const user = opts.scope === 'user';
  const mcpFile = user ? path.join(env.home, '.claude.json') : path.join(env.cwd, '.mcp.json');
  const settingsFile = user ? path.join(env.home, '.claude', 'settings.json') : path.join(env.cwd, '.claude', 'settings.local.json');
  const entry = { type: 'stdio', command: process.execPath, args: [BIN, 'mcp'], env: { HOOP_CONFIG: path.resolve(configPath(env)) } };
  const mcpDoc = await readJson(mcpFile);
  const servers = (mcpDoc.mcpServers && typeof mcpDoc.mcpServers === 'object' ? mcpDoc.mcpServers : {}) as Record<string, unknown>;
  const snippet = JSON.stringify({ mcpServers: { hoop: entry } }, null, 2);

  const config = await loadConfig(env).catch((err: Error) => {
    if (opts.connection) throw err;
    return null;
  });
  // unnamed, the model API connection is looked up; a gateway out of reach leaves the MCP entry to write
  const model = config
    ? await modelConnection(config, opts.connection).catch((err: Error) => {
        if (opts.connection || (err instanceof CliError && err.exitCode === EXIT.usage)) throw err;
        process.stderr.write(`hoop: could not list the connections (${err.message}); the model API is left as it is\n`);
        return null;
      })
    : null;
  const modelEnv = config && model ? modelApiEnv(config, model) : null;
  const settings = modelEnv ? await readJson(settingsFile) : {};
  const shown = modelEnv ? { ...modelEnv, ANTHROPIC_AUTH_TOKEN: '<your hoop token>' } : null;

  if (opts.dryRun) {
    process.stdout.write(`would write to ${mcpFile}:\n${snippet}\n`);
    if (shown) process.stdout.write(`would write to ${settingsFile}:\n${JSON.stringify({ env: shown }, null, 2)}\n`);
    process.stdout.write(await directNote(env));
    return EXIT.ok;
  }
  await writeJson(mcpFile, { ...mcpDoc, mcpServers: { ...servers, hoop: entry } });
  process.stdout.write(
    `wrote the "hoop" MCP server to ${mcpFile}:\n${snippet}\nRestart Claude Code; ` +
      `its tools appear as hoop: list_connections, describe_schema, run_query, get_session.\n`,
  );
  if (modelEnv && shown) {
    const current = settings.env && typeof settings.env === 'object' && !Array.isArray(settings.env) ? (settings.env as Record<string, unknown>) : {};
    // a key of the user's own would win over the hoop token: the org's key stays on the agent
    const { ANTHROPIC_API_KEY: _dropped, ...kept } = current;
    await writeJson(settingsFile, { ...settings, env: { ...kept, ...modelEnv } });
    process.stdout.write(
      `\npointed Claude Code's model API at hoop (connection "${model}") in ${settingsFile}:\n${JSON.stringify({ env: shown }, null, 2)}\n` +
        `Each conversation is recorded as a session; the org's API key stays on hoop's agent.\n`,
    );
  } else if (config) {
    process.stdout.write('\nno model API (anthropic) connection: Claude Code keeps reaching the model API directly\n');
  }
  process.stdout.write(await directNote(env));
  return EXIT.ok;
}

/**
 * `hoop claude [--connection NAME] -- ARGS`: runs Claude Code (`claude` on PATH, or $HOOP_CLAUDE) with its model API
 * pointed at hoop for this run only, and answers with its exit code.
 */
export async function claudeRun(env: CliEnv, opts: { connection?: string; args: string[] }): Promise<number> {
  const config = await loadConfig(env);
  const model = await modelConnection(config, opts.connection);
  if (!model) throw usage('there is no model API (anthropic) connection to run Claude Code through; an admin can add one in the web app');
  const { ANTHROPIC_API_KEY: _dropped, ...inherited } = env.processEnv;
  const child = spawn(env.claudeProgram, opts.args, { stdio: 'inherit', env: { ...inherited, ...modelApiEnv(config, model) } });
  return new Promise((resolve, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'ENOENT' ? usage(`${env.claudeProgram} was not found: install Claude Code, or set HOOP_CLAUDE to its path`) : err),
    );
    child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 1) : 1)));
  });
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
