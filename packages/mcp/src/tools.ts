import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type pg from 'pg';
import { z } from 'zod';
import { analyzeSql } from '@hoop/pipeline';
import type { Duplex } from 'node:stream';
import { parseWaitingNotice, type WaitingNotice } from '@hoop/protocol';
import { type Held, heldStatements, rememberHeld, StillPending, watchHeld } from './held';
import { explain, fail, ok, type ToolResult } from './answers';
import { CommandRefused, runCommandOver } from './command';
import { closeMysql, type MysqlConnection, mysqlStatements, runMysqlOn } from './mysql';
import { SCHEMA_ROWS, schemaQuery, schemaTables } from './schema';
import { MAX_ROWS, runSqlOn } from './sql';
import { shellLineOnlyReads } from './read-only';
import { type OpenHttp, registerHttpTool } from './http';

/** the kinds of the statements of a Postgres text, null when it does not parse (the agent's guard refuses it then) */
function analyzePg(sql: string): { kind: string }[] | null {
  const a = analyzeSql(sql);
  return a.ok ? a.statements : null;
}

export interface ConnectionInfo {
  name: string;
  type: string;
  online: boolean;
  readOnly: boolean;
  tags: string[];
}

type Limits = { maxRows: number; maxBytes: number };
/** A SQL session through the agent: node-postgres on a postgres connection, mysql2 (and its stream) on a mysql one. */
export type SqlSession = ({ client: pg.Client } | { mysql: MysqlConnection; stream: Duplex }) & { sessionId?: string; limits?: Limits };

/** What the tools need from where they run: the CLI (through the gateway) or the gateway itself. */
export interface McpDeps {
  listConnections(): Promise<ConnectionInfo[]>;
  /** a SQL session on a postgres or mysql connection, through the agent that serves it (mode mcp) */
  openSql(connection: string, clientInfo: Record<string, string>): Promise<SqlSession>;
  getSession(id: string): Promise<Record<string, unknown>>;
  /** the pending statement review held in a session, for protocols that cannot tell their client why it waits (MySQL) */
  heldReview?(sessionId: string): Promise<WaitingNotice | null>;
  /** a session on an ssh or command connection: the raw stream to the agent's SSH service (mode mcp) */
  openCommand(connection: string, clientInfo: Record<string, string>): Promise<{ stream: Duplex; sessionId?: string; limits?: Limits }>;
  /** a session on an http connection (mode mcp): the http_request tool's */
  openHttp?: OpenHttp;
  /** who the tools act for, where one process serves several callers (the gateway's `/mcp`) */
  caller?: string;
}

/**
 * The hoop MCP server: every tool call goes through the gateway and the agent like any session, so guardrails,
 * masking and the audit trail apply, and the calling agent never holds a credential.
 */
export function createHoopMcpServer(deps: McpDeps, version: string): McpServer {
  const heldKey = (reviewId: string) => `${deps.caller ?? ''}:${reviewId}`;
  const schemaCache = new Map<string, { at: number; value: Record<string, unknown> }>();
  const types = new Map<string, { at: number; type: string | null }>();
  /** a connection's type (which grammar reads its SQL), looked up once a minute; null when it is not listed */
  const connectionType = async (connection: string): Promise<string | null> => {
    const known = types.get(connection);
    if (known && Date.now() - known.at < 60_000) return known.type;
    const list = await deps.listConnections().catch(() => null);
    if (!list) return null;
    for (const c of list) types.set(c.name, { at: Date.now(), type: c.type });
    return list.find((c) => c.name === connection)?.type ?? null;
  };

  /**
   * Runs SQL in a fresh session. A statement held for review waits up to `waitMs` after the review is requested; then
   * the call returns (StillPending) and the review goes on without it; `review` re-attaches to an earlier review.
   */
  const runSql = async (
    connection: string,
    sql: string,
    reason: string | undefined,
    requested: number,
    o: { waitMs?: number; review?: string; mysqlShape?: { single: boolean; command: string; earlier?: boolean } } = {},
  ) => {
    const session = await deps.openSql(connection, {
      client: 'hoop mcp',
      ...(reason ? { reason: reason.slice(0, 1000) } : {}),
      ...(o.review ? { review: o.review } : {}),
    });
    const { sessionId, limits } = session;
    const limit = Math.min(requested, limits?.maxRows ?? MAX_ROWS);
    const maxBytes = limits?.maxBytes ?? 1024 * 1024;
    // a held statement: the call waits up to waitMs for the decision, then returns pending (StillPending)
    let timer: NodeJS.Timeout | null = null;
    let onHeld: (w: WaitingNotice) => void = () => undefined;
    const pending = new Promise<never>((_, reject) => {
      onHeld = (w) => {
        if (timer) return;
        rememberHeld(heldKey(w.reviewId), { kind: 'sql', connection, sql, ...(reason ? { reason } : {}), limit: requested });
        timer = setTimeout(() => reject(new StillPending(w)), o.waitMs ?? 25_000);
      };
    });
    pending.catch(() => undefined);
    if ('mysql' in session) {
      // a MySQL client cannot be told why it waits: the review held in its session is looked up where reviews are kept
      const { heldReview } = deps;
      const stopWatch = sessionId && heldReview ? watchHeld(() => heldReview(sessionId), onHeld) : () => undefined;
      const statements = o.mysqlShape ? null : await mysqlStatements(sql);
      const shape = o.mysqlShape ?? { single: statements?.length === 1, command: statements?.at(-1)?.command ?? null };
      const running = runMysqlOn(session.mysql, sql, limit, maxBytes, sessionId, shape);
      running.catch(() => undefined);
      let complete = false;
      try {
        const { complete: done, ...result } = await Promise.race([running, pending]);
        complete = done;
        return result;
      } catch (err) {
        // an error the server (or the guard) answered leaves the session usable: it is ended politely
        complete = (err as { errno?: number }).errno !== undefined;
        throw err;
      } finally {
        stopWatch();
        if (timer) clearTimeout(timer);
        await closeMysql(session.mysql, session.stream, complete);
      }
    }
    const { client } = session;
    client.on('notice', (n) => {
      const w = parseWaitingNotice(n.message ?? '', n.detail);
      if (w) onHeld(w);
    });
    const running = runSqlOn(client, sql, limit, maxBytes, sessionId);
    // when the wait ends first, the session is closed under the query: its failure is expected
    running.catch(() => undefined);
    try {
      return await Promise.race([running, pending]);
    } finally {
      if (timer) clearTimeout(timer);
      await client.end().catch(() => undefined);
    }
  };

  const pendingResult = (p: StillPending, connection: string): ToolResult =>
    ok({
      status: 'pending_review',
      reviewId: p.notice.reviewId,
      url: p.notice.url,
      expiresAt: p.notice.expiresAt?.toISOString() ?? null,
      connection,
      message:
        `A human reviewer must approve this statement before it runs; it has not run yet. ` +
        `Tell the user it waits at ${p.notice.url}, then call wait_for_review with reviewId "` +
        `${p.notice.reviewId}" to wait for the decision and get the result.`,
    });

  const runCmd = async (
    connection: string,
    command: string,
    reason: string | undefined,
    o: { waitMs?: number; review?: string; timeoutSeconds?: number } = {},
  ) => {
    const { stream, sessionId, limits } = await deps.openCommand(connection, {
      client: 'hoop mcp',
      ...(reason ? { reason: reason.slice(0, 1000) } : {}),
      ...(o.review ? { review: o.review } : {}),
    });
    let timer: NodeJS.Timeout | null = null;
    let running!: ReturnType<typeof runCommandOver>;
    const pending = new Promise<never>((_, reject) => {
      const onWaiting = (url: string) => {
        const id = /\/reviews\/([0-9a-f-]{36})/.exec(url)?.[1];
        if (!id || timer) return;
        rememberHeld(heldKey(id), { kind: 'command', connection, sql: command, ...(reason ? { reason } : {}), limit: 0 });
        timer = setTimeout(() => reject(new StillPending({ reviewId: id, url, expiresAt: null })), o.waitMs ?? 25_000);
      };
      running = runCommandOver(stream, command, { maxBytes: limits?.maxBytes ?? 1024 * 1024, timeoutMs: (o.timeoutSeconds ?? 60) * 1000, onWaiting });
    });
    pending.catch(() => undefined);
    running.catch(() => undefined);
    try {
      return { sessionId, ...(await Promise.race([running, pending])) };
    } finally {
      if (timer) clearTimeout(timer);
      stream.destroy();
    }
  };

  const explainCommand = (err: unknown): ToolResult => {
    if (err instanceof CommandRefused) {
      return err.kind === 'blocked'
        ? fail(`${err.message}. The command was not run. Use a narrower or read-only command, or ask a human to do it.`)
        : fail(`${err.message}. The command did not run. Do not retry it unchanged; tell the user what the reviewer said.`);
    }
    return fail((err as Error).message ?? String(err));
  };

  const server = new McpServer({ name: 'hoop', version });

  server.registerTool(
    'list_connections',
    {
      title: 'List connections',
      description: 'Lists the databases and servers you can reach through hoop, with their type and whether their agent is online.',
      inputSchema: {},
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async () => {
      try {
        const connections = await deps.listConnections();
        return ok({ connections: connections.map((c) => ({ name: c.name, type: c.type, online: c.online, readOnly: c.readOnly, tags: c.tags })) });
      } catch (err) {
        return fail((err as Error).message);
      }
    },
  );

  server.registerTool(
    'describe_schema',
    {
      title: 'Describe a schema',
      description:
        'Tables and columns (with types) of a Postgres or MySQL/MariaDB connection, optionally for one schema (MySQL: database) or one table; ' +
        "MySQL columns also say their key and what they reference. Without a schema, MySQL lists the connection's database. Cached for a minute.",
      inputSchema: {
        connection: z.string().describe('connection name from list_connections'),
        schema: z.string().optional().describe("defaults to every non-system schema (MySQL: the connection's database)"),
        table: z.string().optional(),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ connection, schema, table }) => {
      const key = `${connection}|${schema ?? ''}|${table ?? ''}`;
      const cached = schemaCache.get(key);
      if (cached && Date.now() - cached.at < 60_000) return ok(cached.value);
      try {
        const type = (await connectionType(connection)) ?? 'postgres';
        // hoop's own query: it need not be parsed here to know its shape (the agent judges it as any other)
        const shape = { single: false, command: 'SELECT', earlier: true };
        const r = await runSql(connection, schemaQuery(type, schema, table), undefined, SCHEMA_ROWS, { mysqlShape: shape });
        const tables = schemaTables(type, r.rows as unknown[][], (r as { earlier?: unknown[][][] }).earlier?.[0]);
        const none = type === 'mysql' && !schema && tables.length === 0;
        const value = {
          connection,
          tables,
          ...(r.truncated ? { truncated: true } : {}),
          ...(none ? { note: "no tables in the connection's database (a connection that names no database lists none: give `schema`)" } : {}),
        };
        schemaCache.set(key, { at: Date.now(), value });
        return ok(value);
      } catch (err) {
        return explain(err);
      }
    },
  );

  server.registerTool(
    'run_query',
    {
      title: 'Run a SQL query',
      description:
        'Runs SQL on a Postgres or MySQL/MariaDB connection through hoop. Results come back with personal data masked. ' +
        'Destructive statements are blocked, and anything that is not a read needs a `reason` (shown to reviewers and recorded). ' +
        'Rows are limited (default 100, at most 1000); `truncated` says when there were more.',
      inputSchema: {
        connection: z.string().describe('connection name from list_connections'),
        sql: z.string().min(1).max(100_000),
        reason: z.string().max(1000).optional().describe('why you run this; required unless every statement only reads'),
        limit: z.number().int().min(1).max(MAX_ROWS).optional(),
        waitSeconds: z
          .number()
          .int()
          .min(0)
          .max(120)
          .optional()
          .describe('how long to wait for a reviewer when the statement is held for approval (default 25)'),
      },
      annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: false },
    },
    async ({ connection, sql, reason, limit, waitSeconds }) => {
      // the connection's own grammar reads the statements (a MySQL text is not Postgres SQL)
      const mysql = !reason?.trim() && (await connectionType(connection)) === 'mysql';
      const analysis = mysql ? await mysqlStatements(sql) : analyzePg(sql);
      if (!reason?.trim() && analysis?.some((s) => s.kind !== 'read' && s.kind !== 'utility')) {
        return fail(
          'this statement changes something: give a `reason` (what you are fixing and why) and call again; it will be recorded and shown to reviewers',
        );
      }
      try {
        return ok(await runSql(connection, sql, reason, limit ?? 100, { waitMs: (waitSeconds ?? 25) * 1000 }));
      } catch (err) {
        if (err instanceof StillPending) return pendingResult(err, connection);
        return explain(err);
      }
    },
  );

  server.registerTool(
    'run_command',
    {
      title: 'Run a command',
      description:
        'Runs one shell command on an ssh or command connection through hoop (e.g. `df -h`, `tail -n 100 /var/log/app.log`, `kubectl get pods`). ' +
        'Output comes back with personal data masked, up to the policy byte limit (`truncated` says when more was cut), with the exit code. ' +
        'Destructive commands are blocked; give a `reason` for anything that changes the system (shown to reviewers and recorded).',
      inputSchema: {
        connection: z.string().describe('an ssh or command connection from list_connections'),
        command: z.string().min(1).max(100_000),
        reason: z
          .string()
          .max(1000)
          .optional()
          .describe('why you run this; required unless the command only reads (ls, cat, tail, grep, df, ps, kubectl get, …)'),
        timeoutSeconds: z.number().int().min(1).max(600).optional().describe('end the command after this long (default 60)'),
        waitSeconds: z.number().int().min(0).max(120).optional().describe('how long to wait for a reviewer when the command is held for approval (default 25)'),
      },
      annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: false },
    },
    async ({ connection, command, reason, timeoutSeconds, waitSeconds }) => {
      if (!reason?.trim() && !shellLineOnlyReads(command)) {
        return fail(
          'this command may change something: give a `reason` (what you are fixing and why) and call again; ' +
            'it will be recorded and shown to reviewers. Commands that only read (ls, cat, tail, grep, df, ps, kubectl get/logs, ' +
            'systemctl status, …) need none.',
        );
      }
      try {
        return ok(await runCmd(connection, command, reason, { waitMs: (waitSeconds ?? 25) * 1000, ...(timeoutSeconds ? { timeoutSeconds } : {}) }));
      } catch (err) {
        if (err instanceof StillPending) return pendingResult(err, connection);
        return explainCommand(err);
      }
    },
  );

  server.registerTool(
    'wait_for_review',
    {
      title: 'Wait for a review',
      description:
        'Waits for reviewers to decide on a statement that run_query returned as pending_review, then runs it (exactly once, ' +
        'only if approved) and returns its result. Returns pending_review again if no decision came within timeoutSeconds; ' +
        'an error if it was rejected or expired.',
      inputSchema: {
        reviewId: z.string().uuid(),
        timeoutSeconds: z.number().int().min(1).max(600).optional().describe('how long to wait this time (default 60)'),
        connection: z.string().optional().describe('only needed if this MCP server did not send the statement itself'),
        sql: z.string().max(100_000).optional().describe('the exact statement that was held; only needed with connection'),
        command: z.string().max(100_000).optional().describe('the exact command that was held (ssh/command connections); only needed with connection'),
      },
      annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: false },
    },
    async ({ reviewId, timeoutSeconds, connection, sql, command }) => {
      const held: Held | null =
        heldStatements.get(heldKey(reviewId)) ??
        (connection && sql
          ? { kind: 'sql', connection, sql, limit: 100 }
          : connection && command
            ? { kind: 'command', connection, sql: command, limit: 0 }
            : null);
      if (!held)
        return fail(`this server does not know what review ${reviewId} holds; call again with the connection and the exact sql (or command) that was held`);
      const waitMs = (timeoutSeconds ?? 60) * 1000;
      try {
        const result =
          held.kind === 'sql'
            ? await runSql(held.connection, held.sql, held.reason, held.limit, { waitMs, review: reviewId })
            : await runCmd(held.connection, held.sql, held.reason, { waitMs, review: reviewId });
        heldStatements.delete(heldKey(reviewId));
        return ok({ status: 'approved', reviewId, ...result });
      } catch (err) {
        if (err instanceof StillPending) return pendingResult(err, held.connection);
        heldStatements.delete(heldKey(reviewId));
        return held.kind === 'sql' ? explain(err) : explainCommand(err);
      }
    },
  );

  registerHttpTool(server, deps.openHttp);

  server.registerTool(
    'get_session',
    {
      title: 'Read a session',
      description: 'The recorded timeline of a hoop session (statements, decisions, row counts), e.g. one a previous run_query returned.',
      inputSchema: { id: z.string().uuid() },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ id }) => {
      try {
        return ok(await deps.getSession(id));
      } catch (err) {
        return fail((err as Error).message);
      }
    },
  );

  return server;
}
