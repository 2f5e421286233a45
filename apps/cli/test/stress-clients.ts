import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import pg from 'pg';
import { runProcess, SSH_CLIENT_OPTIONS, stopWithThisProcess, type TestStack } from '@hoop/devstack';

type ToolResult = { isError?: boolean; content?: { text?: string }[]; structuredContent?: { rows?: unknown[][]; stdout?: string; exitCode?: number } };

const SSH_OPTIONS = [...SSH_CLIENT_OPTIONS, '-o', 'ConnectTimeout=15'];

/** the markers of the shell lines whose result a client received (see `shellLine`) */
export const ranIn = (stdout: string) => [...stdout.matchAll(/^mk_([a-z]+_[0-9_]+)-42$/gm)].map((m) => m[1]!);

/**
 * The clients of the audit stress test: one session of each mode people and AI agents use, through the real stack.
 * Each statement or command carries a marker of its own (`mk_<kind>_<n>`): `sent` holds every marker sent, `done` those
 * whose result reached the client, `timeline` why sessions failed, with the time since the load began. Each session
 * resolves false when it failed, as a client sees it.
 */
export class StressClients {
  readonly sent = new Set<string>();
  readonly done = new Set<string>();
  readonly timeline: string[] = [];
  private started = Date.now();

  constructor(private readonly stack: TestStack) {}

  begin(): void {
    this.started = Date.now();
  }

  note(what: string): void {
    this.timeline.push(`${((Date.now() - this.started) / 1000).toFixed(1)}s ${what}`);
  }

  /** the markers of one kind whose result reached the client */
  completed(kind: string): number {
    return [...this.done].filter((m) => m.startsWith(`${kind}_`)).length;
  }

  private sql(marker: string): string {
    this.sent.add(marker);
    return `select 'mk_${marker}' as marker`;
  }

  /** a shell command line that prints `mk_<marker>-42`: the client sees it ran, not an echo of what was typed */
  private shellLine(marker: string): string {
    this.sent.add(marker);
    return `echo mk_${marker}-$((6*7))`;
  }

  /** a Postgres client through `hoop connect`, a few statements in one session */
  async pgSession(url: string, n: number, statements: number): Promise<boolean> {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 15_000, query_timeout: 15_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      for (let k = 0; k < statements; k++) {
        const marker = `pg_${n}_${k}`;
        const r = await client.query(this.sql(marker));
        if (r.rows[0]?.marker === `mk_${marker}`) this.done.add(marker);
      }
      await client.end();
      return true;
    } catch (err) {
      this.note(`pg ${n}: ${(err as Error).message}`);
      await client.end().catch(() => undefined);
      return false;
    }
  }

  /** an OpenSSH client without a terminal through `hoop connect`: each line of its input is judged, run and recorded */
  async sshSession(port: number, kind: string, n: number, lines: number): Promise<boolean> {
    const input = Array.from({ length: lines }, (_, k) => `${this.shellLine(`${kind}_${n}_${k}`)}\n`).join('');
    const r = await runProcess('ssh', ['-T', '-p', String(port), ...SSH_OPTIONS, 'anyone@127.0.0.1'], { input, timeoutMs: 30_000 });
    for (const m of ranIn(r.stdout)) this.done.add(m);
    if (r.code !== 0) this.note(`${kind} ${n}: exit ${r.code}: ${r.stderr.trim()}`);
    return r.code === 0;
  }

  /** `hoop exec` of one statement on a database connection */
  async execQuery(connection: string, n: string): Promise<boolean> {
    const marker = `exec_${n}`;
    const r = await this.stack.cli(['exec', connection, '-i', this.sql(marker)], { timeoutMs: 30_000 });
    if (r.code === 0 && r.stdout.includes(`mk_${marker}`)) this.done.add(marker);
    else this.note(`exec ${n}: exit ${r.code}: ${r.stderr.trim()}`);
    return r.code === 0;
  }

  /** `hoop exec` of one command on an ssh or command connection */
  async execCommand(connection: string, kind: string, n: string): Promise<boolean> {
    const r = await this.stack.cli(['exec', connection, '-i', this.shellLine(`${kind}_${n}`)], { timeoutMs: 30_000 });
    for (const m of ranIn(r.stdout)) this.done.add(m);
    if (r.code !== 0) this.note(`${kind} ${n}: exit ${r.code}: ${r.stderr.trim()}`);
    return r.code === 0;
  }

  /** MCP `run_query` over the gateway's HTTP endpoint */
  mcpQuery(connection: string, n: number): Promise<boolean> {
    const marker = `mcp_${n}`;
    return this.mcpCall('mcp', n, { name: 'run_query', arguments: { connection, sql: this.sql(marker) } }, (r) => {
      if (r.structuredContent?.rows?.[0]?.[0] === `mk_${marker}`) this.done.add(marker);
      return true;
    });
  }

  /** MCP `run_command` over the gateway's HTTP endpoint */
  mcpCommand(connection: string, kind: string, n: number): Promise<boolean> {
    return this.mcpCall(kind, n, { name: 'run_command', arguments: { connection, command: this.shellLine(`${kind}_${n}`) } }, (r) => {
      for (const m of ranIn(r.structuredContent?.stdout ?? '')) this.done.add(m);
      return r.structuredContent?.exitCode === 0;
    });
  }

  private async mcpCall(
    kind: string,
    n: number,
    call: { name: string; arguments: Record<string, unknown> },
    received: (r: ToolResult) => boolean,
  ): Promise<boolean> {
    const c = new McpClient({ name: 'stress', version: '1.0.0' });
    try {
      const headers = { authorization: `Bearer ${this.stack.adminToken}` };
      await c.connect(new StreamableHTTPClientTransport(new URL(`${this.stack.gatewayUrl}/mcp`), { requestInit: { headers } }), { timeout: 15_000 });
      // a call cut off by the gateway's crash is given up on like a client would, not after the SDK's minute
      const r = (await c.callTool(call, undefined, { timeout: 15_000 })) as ToolResult;
      if (!r.isError) return received(r);
      this.note(`${kind} ${n}: ${r.content?.[0]?.text}`);
      return false;
    } catch (err) {
      this.note(`${kind} ${n}: ${(err as Error).message}`);
      return false;
    } finally {
      await c.close().catch(() => undefined);
    }
  }
}

/** Busy loops that keep cores of the machine busy while they run. */
export class MachineLoad {
  private readonly loops: ChildProcess[] = [];

  start(count: number): void {
    for (let i = 0; i < count; i++) {
      const loop = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
      stopWithThisProcess(loop);
      this.loops.push(loop);
    }
  }

  /** how many loops still run (none ends on its own) */
  running(): number {
    return this.loops.filter((l) => l.exitCode === null && l.signalCode === null).length;
  }

  /** ends the loops; returns the CPU seconds they used (from /proc, where there is one) */
  stop(): number {
    let cpu = 0;
    for (const l of this.loops.splice(0)) {
      try {
        const fields = readFileSync(`/proc/${l.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        cpu += (Number(fields[11]) + Number(fields[12])) / 100;
      } catch {
        // no /proc: the load is not measured
      }
      l.kill('SIGKILL');
    }
    return cpu;
  }
}
