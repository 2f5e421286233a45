import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import pg from 'pg';
import { runProcess, SSH_CLIENT_OPTIONS } from '@hoop/devstack';

/**
 * One long session of a client the load test runs, kept open across rounds: each `step` runs one statement (or
 * command) carrying a marker of its own and resolves whether its result came back. `sent` and `done` are shared by
 * all sessions: the markers sent, and those whose result reached the client.
 */
export interface LongSession {
  kind: string;
  /** the gateway it went through (its index in the fleet), or -1 for the load balancer */
  gateway: number;
  open(): Promise<void>;
  step(round: number): Promise<void>;
  close(): Promise<void>;
}

export class Markers {
  readonly sent = new Set<string>();
  readonly done = new Set<string>();
  sql(marker: string): string {
    this.sent.add(marker);
    return `select 'mk_${marker}' as marker`;
  }
  line(marker: string): string {
    this.sent.add(marker);
    return `echo mk_${marker}-$((6*7))`;
  }
}

/** node-postgres: through `hoop connect` (a local URL) or straight to a gateway's Postgres listener (TLS, a token) */
export function pgSession(m: Markers, kind: string, gateway: number, id: string, config: pg.ClientConfig): LongSession {
  const client = new pg.Client({ ...config, connectionTimeoutMillis: 20_000, query_timeout: 30_000 });
  client.on('error', () => undefined);
  return {
    kind,
    gateway,
    open: async () => {
      await client.connect();
    },
    async step(round) {
      const marker = `${kind}_${id}_${round}`;
      const r = await client.query(m.sql(marker));
      if (r.rows[0]?.marker !== `mk_${marker}`) throw new Error(`wrong answer: ${JSON.stringify(r.rows)}`);
      m.done.add(marker);
    },
    close: () => client.end().catch(() => undefined),
  };
}

/** psql with its input on a pipe: one statement a round, its answer read from its output; psql ends when its server goes */
export function psqlSession(m: Markers, gateway: number, id: string, url: string, env: NodeJS.ProcessEnv): LongSession {
  let child: ChildProcessWithoutNullStreams | null = null;
  let out = '';
  let err = '';
  let exited: Promise<number | null> = Promise.resolve(null);
  return {
    kind: 'psql',
    gateway,
    async open() {
      child = spawn('psql', [url, '-X', '-At', '-v', 'ON_ERROR_STOP=1'], { env: { ...process.env, PGCONNECT_TIMEOUT: '20', ...env } });
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const c = child;
      exited = new Promise((r) => c.once('exit', (code) => r(code)));
      await this.step(-1);
    },
    async step(round) {
      const marker = `psql_${id}_${round < 0 ? 'open' : round}`;
      child!.stdin.write(`${m.sql(marker)};\n`);
      const seen = new Promise<void>((resolve) => {
        const look = () => {
          if (out.includes(`mk_${marker}\n`)) {
            child!.stdout.off('data', look);
            resolve();
          }
        };
        child!.stdout.on('data', look);
        look();
      });
      const ended = exited.then((code) => {
        throw new Error(`psql exited ${code}: ${err.trim()}`);
      });
      await Promise.race([seen, ended]);
      m.done.add(marker);
    },
    async close() {
      if (child && child.exitCode === null) {
        child.stdin.end();
        await exited;
      }
    },
  };
}

/** an MCP client over streamable HTTP: each step a run_query call (each call a session of its own on the gateway) */
export function mcpSession(m: Markers, gateway: number, id: string, baseUrl: string, token: string, connection: string): LongSession {
  const c = new McpClient({ name: 'gateways-load', version: '1.0.0' });
  return {
    kind: 'mcp',
    gateway,
    open: () =>
      c.connect(new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }), {
        timeout: 20_000,
      }),
    async step(round) {
      const marker = `mcp_${id}_${round}`;
      const r = (await c.callTool({ name: 'run_query', arguments: { connection, sql: m.sql(marker) } }, undefined, { timeout: 30_000 })) as {
        isError?: boolean;
        content?: { text?: string }[];
        structuredContent?: { rows?: unknown[][] };
      };
      if (r.isError || r.structuredContent?.rows?.[0]?.[0] !== `mk_${marker}`) throw new Error(`MCP call failed: ${r.content?.[0]?.text}`);
      m.done.add(marker);
    },
    close: () => c.close().catch(() => undefined),
  };
}

/** an OpenSSH client through `hoop connect`: one session running a few command lines (it is short: one step) */
export async function sshRun(m: Markers, port: number, id: string, lines: number): Promise<void> {
  const markers = Array.from({ length: lines }, (_, k) => `ssh_${id}_${k}`);
  const input = markers.map((x) => `${m.line(x)}\n`).join('');
  const r = await runProcess('ssh', ['-T', '-p', String(port), ...SSH_CLIENT_OPTIONS, '-o', 'ConnectTimeout=20', 'anyone@127.0.0.1'], {
    input,
    timeoutMs: 60_000,
  });
  for (const x of markers) if (r.stdout.includes(`mk_${x}-42`)) m.done.add(x);
  if (r.code !== 0) throw new Error(`ssh exit ${r.code}: ${r.stderr.trim()}`);
}

/** runs `fn` on every item, at most `limit` at a time; resolves with each one's error (or null) */
export async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<(Error | null)[]> {
  const results: (Error | null)[] = new Array(items.length).fill(null);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!).catch((err: Error) => (results[i] = err));
      }
    }),
  );
  return results;
}
