import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { BLOCKED_PREFIX, EXIT, SQLSTATE_BLOCKED } from '@hoop/protocol';
import { loadConfig } from '../config';
import type { CliEnv } from '../env';
import { CliError, usage } from '../errors';
import { connectGateway } from '../gateway';
import { openPgSession } from '../pg-session';
import { formatPsql } from '../format';

export interface ExecOptions { input?: string; file?: string; output: 'text' | 'json' }

async function readSql(opts: ExecOptions): Promise<string> {
  if (opts.input !== undefined) return opts.input;
  if (opts.file) {
    try {
      return await readFile(opts.file, 'utf8');
    } catch (err) {
      throw usage(`cannot read ${opts.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  if (process.stdin.isTTY) throw usage('give the statement with -i "SQL", a file with -f FILE, or pipe it on stdin');
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

type Result = pg.QueryResult<unknown[]>;

/** `hoop exec NAME -i SQL`: runs statements through the same pipeline as an interactive session. */
export async function execCommand(env: CliEnv, name: string, opts: ExecOptions): Promise<number> {
  const sql = await readSql(opts);
  if (!sql.trim()) throw usage('nothing to run: the statement is empty');
  const config = await loadConfig(env);
  const link = await connectGateway(config);
  try {
    const { client } = await openPgSession(link, name, 'exec', { client: 'hoop exec' });
    client.on('notice', (n) => process.stderr.write(`${n.severity ?? 'NOTICE'}:  ${n.message}\n`));
    try {
      const res = (await client.query({ text: sql, rowMode: 'array' })) as unknown as Result | Result[];
      const results = Array.isArray(res) ? res : [res];
      print(results, opts.output);
      return EXIT.ok;
    } catch (err) {
      const e = err as pg.DatabaseError;
      if (!e.code && !e.severity) throw new CliError(EXIT.unreachable, `the session ended unexpectedly: ${e.message}`);
      process.stderr.write(`${e.severity ?? 'ERROR'}:  ${e.message}\n`);
      if (e.detail) process.stderr.write(`DETAIL:  ${e.detail}\n`);
      if (e.hint) process.stderr.write(`HINT:  ${e.hint}\n`);
      if (opts.output === 'json') process.stdout.write(`${JSON.stringify({ error: { code: e.code, message: e.message, hint: e.hint ?? null } })}\n`);
      return e.code === SQLSTATE_BLOCKED && e.message.startsWith(BLOCKED_PREFIX) ? EXIT.blocked : EXIT.targetError;
    } finally {
      await client.end().catch(() => undefined);
    }
  } finally {
    link.close();
  }
}

function print(results: Result[], output: 'text' | 'json'): void {
  if (output === 'json') {
    const json = results.map((r) => ({
      command: r.command,
      columns: (r.fields ?? []).map((f) => ({ name: f.name, typeOid: f.dataTypeID })),
      rows: r.rows ?? [],
      rowCount: r.rowCount ?? (r.rows ?? []).length,
    }));
    process.stdout.write(`${JSON.stringify(json.length === 1 ? json[0] : json, null, 2)}\n`);
    return;
  }
  for (const r of results) {
    if (r.fields && r.fields.length > 0) process.stdout.write(`${formatPsql(r.fields, r.rows)}\n`);
    else if (r.command) process.stdout.write(`${tag(r)}\n`);
  }
}

function tag(r: Result): string {
  if (r.command === 'INSERT') return `INSERT 0 ${r.rowCount ?? 0}`;
  if (['UPDATE', 'DELETE', 'SELECT', 'MOVE', 'FETCH', 'COPY', 'MERGE'].includes(r.command)) return `${r.command} ${r.rowCount ?? 0}`;
  return r.command;
}
