// What clients send while a statement or a command waits for review is held by the agent; it counts in the agent's
// input budget (HOOP_AGENT_INPUT_BUDGET_MB, for all sessions together), so sessions held at once cannot make the agent
// buffer more than that: the session that would go past it is ended with a clear error, the others go on.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTargetDatabase, type StackUser, type TestStack, startTestStack, waitFor, sshToHoop } from '@hoop/devstack';
import { skipWithout } from '@hoop/devstack/tools';
import * as w from '@hoop/pgwire';
import { type BackendMessage, BackendParser } from '@hoop/pgwire';
import { label } from './wire-client';

const POLICY = {
  name: 'held-input',
  connections: { names: ['accounts', 'box'] },
  guardrails: {
    rules: [
      { id: 'accounts-write', action: 'review', message: 'writes to accounts need a reviewer', match: { kinds: ['write'], tables: ['accounts'] } },
      { id: 'probe', action: 'deny', match: { tables: ['probe_held_input'] } },
    ],
    shell: {
      rules: [
        { id: 'touch-review', action: 'review', message: 'creating files needs a reviewer', match: { commands: ['touch'] } },
        { id: 'probe', action: 'deny', match: { commands: ['probe-held-input'] } },
      ],
    },
  },
  review: { approvers: { roles: ['reviewer', 'admin'] }, minApprovals: 1, timeoutMinutes: 30 },
};

let stack: TestStack;
let target: Awaited<ReturnType<typeof createTargetDatabase>>;
let accounts: Awaited<ReturnType<TestStack['connect']>>;
let box: Awaited<ReturnType<TestStack['connect']>>;
let dir: string;
let reviewer: StackUser;
const seen = new Set<string>();

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'hoop-held-input-'));
  target = await createTargetDatabase('held_input');
  await target.query("create table accounts (id int primary key, email text); insert into accounts select i, 'old' from generate_series(1, 4) i");
  stack = await startTestStack({ agentEnv: { HOOP_AGENT_INPUT_BUDGET_MB: '4', HOOP_LOG_LEVEL: 'info' } });
  await stack.addPostgresConnection('accounts', target.url);
  await stack.addConnection('box', 'command', { shell: ['bash', '--noprofile', '--norc'], exec: ['bash', '--noprofile', '--norc', '-c', '{}'], cwd: dir });
  await stack.startAgent();
  const file = `${stack.configFile}.held-input-policy.json`;
  await writeFile(file, JSON.stringify(POLICY));
  const applied = await stack.cli(['policy', 'apply', '-f', file]);
  expect(applied.code, applied.stderr).toBe(0);
  await waitFor('the agent to enforce the policy', async () =>
    (await stack.cli(['exec', 'accounts', '-i', 'select * from probe_held_input'])).code === 3 ? true : null,
  );
  await waitFor('the agent to enforce the shell policy', async () => ((await stack.cli(['exec', 'box', '-i', 'probe-held-input'])).code === 3 ? true : null));
  reviewer = await stack.addUser({ email: 'rita@test.local', role: 'reviewer' });
  // this client writes protocol messages by hand, SCRAM left out: the port asks no password
  accounts = await stack.connect('accounts', { noPassword: true });
  box = await stack.connect('box');
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await target?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The next review to be requested (one not returned before), once it is pending. */
async function nextReview() {
  const review = await waitFor(
    'a new pending review',
    async () => (await stack.db.review.findFirst({ where: { status: 'pending', id: { notIn: [...seen] } }, orderBy: { createdAt: 'asc' } })) ?? null,
    { timeoutMs: 30_000 },
  );
  seen.add(review.id);
  return review;
}

const approve = (reviewId: string) => stack.vote(reviewId, reviewer, 'approve');

const agentAlive = () => stack.agent !== null && stack.agent.child.exitCode === null && stack.agent.child.signalCode === null;

/** A Postgres client that writes messages as given and keeps everything it gets, to be looked at whenever. */
class PgSession {
  readonly got: BackendMessage[] = [];
  closed = false;
  private readonly parser = new BackendParser();

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => this.parser.push(chunk, (m) => this.got.push(m)));
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => undefined);
  }

  static async open(): Promise<PgSession> {
    const s = new PgSession(net.connect(accounts.port, '127.0.0.1'));
    s.send(w.startupMessage({ user: 'tester', database: 'accounts' }));
    await waitFor('the session to be ready', async () =>
      s.labels().includes('ReadyForQuery I') ? true : s.closed ? Promise.reject(new Error(s.labels().join(', '))) : null,
    );
    return s;
  }

  send(...messages: Buffer[]): void {
    this.socket.write(Buffer.concat(messages));
  }

  labels(): string[] {
    return this.got.map(label);
  }

  /** the text of the values of every DataRow so far */
  rows(): string[][] {
    return this.got.flatMap((m) => (m.type === 'DataRow' ? [m.values.map((v) => v?.toString() ?? 'NULL')] : []));
  }

  fatal(): { code: string; message: string } | null {
    const e = this.got.find((m) => m.type === 'ErrorResponse' && m.fields.S === 'FATAL');
    return e?.type === 'ErrorResponse' ? { code: e.fields.C!, message: e.fields.M! } : null;
  }

  close(): void {
    this.socket.end(w.terminate());
  }
}

/**
 * `n` queries of 256 KiB each, which the target answers with their length: small messages, so that what the agent
 * holds of them is what waits behind a held statement, not a message still arriving
 */
const QUERY_BYTES = 256 * 1024;
const queries = (n: number) => Array.from({ length: n }, () => w.query(`select length('${'a'.repeat(QUERY_BYTES)}') as n`));
const emails = async () => (await target.query<{ email: string }>('select email from accounts order by id')).rows.map((r) => r.email);

describe('input a client sends behind a statement held for review', () => {
  it('counts in the agent’s budget: the session that would go past it is ended with 53200, the others run once approved', async () => {
    const sessions: PgSession[] = [];
    const reviews: string[] = [];
    for (let i = 1; i <= 3; i++) {
      const s = await PgSession.open();
      s.send(w.query(`UPDATE accounts SET email = 'new-${i}' WHERE id = ${i}`));
      reviews.push((await nextReview()).id);
      sessions.push(s);
    }
    // 3 × 1.5 MiB queued behind held statements: more than the agent's 4 MiB, though each session is far below its own cap
    for (const s of sessions) s.send(...queries(6));
    const ended = await waitFor('a session to be ended', async () => sessions.find((s) => s.closed) ?? null, { timeoutMs: 60_000 });
    expect(ended.fatal()).toEqual({
      code: '53200',
      message: expect.stringMatching(
        new RegExp(
          String.raw`at most 4\.0 MiB; this session would add [\d.]+ MiB more it cannot pass on yet \(sent while a statement waits for approval\): ` +
            String.raw`the statement did not run; .*HOOP_AGENT_INPUT_BUDGET_MB$`,
        ),
      ),
    });
    await waitFor('the agent’s log line', async () => (stack.agent!.output().includes('session ended: input memory budget used up') ? true : null));

    // the others go on: once approved, their statement runs, then what waited behind it
    const others = sessions.filter((s) => s !== ended);
    expect(others.map((s) => s.closed)).toEqual([false, false]);
    for (const s of others) await approve(reviews[sessions.indexOf(s)]!);
    for (const s of others) {
      // ReadyForQuery: the startup's, the statement's, and one for each query behind it
      await waitFor('the held statement and the queries behind it', async () => (s.labels().filter((l) => l === 'ReadyForQuery I').length >= 8 ? true : null), {
        timeoutMs: 30_000,
      });
      expect(s.labels().filter((l) => l.startsWith('CommandComplete'))).toEqual(['CommandComplete UPDATE 1', ...Array(6).fill('CommandComplete SELECT 1')]);
      expect(s.rows()).toEqual(Array(6).fill([String(QUERY_BYTES)]));
    }
    const endedId = sessions.indexOf(ended) + 1;
    expect(await emails()).toEqual([1, 2, 3, 4].map((i) => (i === endedId || i === 4 ? 'old' : `new-${i}`)));

    // what ran is no longer counted: with the two sessions still open, a 3.5 MiB statement fits in the 4 MiB
    expect(agentAlive()).toBe(true);
    const c = new pg.Client({ connectionString: accounts.url });
    c.on('error', () => undefined);
    await c.connect();
    expect((await c.query(`select length('${'b'.repeat(3.5 * 1024 * 1024)}') as n`)).rows).toEqual([{ n: 3.5 * 1024 * 1024 }]);
    await c.end();
    for (const s of others) s.close();
  });
});

/** `ssh -T` to the command connection: a shell without a terminal, whose lines are judged as they arrive */
function shell() {
  const child: ChildProcessWithoutNullStreams = spawn('ssh', ['-T', ...sshToHoop(box.port)]);
  let stdout = '';
  let stderr = '';
  let code: number | null | undefined;
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.on('error', () => undefined);
  child.on('close', (c) => (code = c));
  return {
    write: (text: string) => child.stdin.write(text),
    end: () => child.stdin.end(),
    stdout: () => stdout,
    stderr: () => stderr,
    /** the exit status once ssh is over, else undefined */
    code: () => code,
    kill: () => child.kill(),
  };
}

// needs the ssh client: npm test installs it (openssh-client); skipped only where it could not and said so
describe.skipIf(skipWithout('ssh'))('input typed behind a command held for review', () => {
  it('counts in the agent’s budget: the session that would go past it is ended with a message, the others run once approved', async () => {
    const shells: ReturnType<typeof shell>[] = [];
    const reviews: string[] = [];
    try {
      for (let i = 1; i <= 3; i++) {
        const sh = shell();
        sh.write(`touch ${dir}/flag-${i}\n`);
        reviews.push((await nextReview()).id);
        shells.push(sh);
      }
      // 3 × 1.5 MiB of lines typed behind the held commands
      const line = `# ${'a'.repeat(64 * 1024)}\n`;
      for (const [i, sh] of shells.entries()) sh.write(`${line.repeat(24)}echo done-${i + 1}\n`);
      const ended = await waitFor('a session to be ended', async () => shells.find((sh) => sh.code() !== undefined) ?? null, { timeoutMs: 60_000 });
      expect(ended.stderr()).toMatch(
        new RegExp(
          String.raw`hoop: session ended: the agent holds [\d.]+ MiB of client input for all its sessions, at most 4\.0 MiB; ` +
            String.raw`this session would add [\d.]+ MiB more it cannot pass on yet \(sent while a command waits for review or for the target to read it\)`,
        ),
      );
      expect(ended.code()).not.toBe(0);
      await waitFor('the agent’s log line', async () =>
        /"msg":"session ended: input memory budget used up"[^\n]*"connection":"box"/.test(stack.agent!.output()) ? true : null,
      );

      const others = shells.filter((sh) => sh !== ended);
      expect(others.map((sh) => sh.code())).toEqual([undefined, undefined]);
      for (const sh of others) await approve(reviews[shells.indexOf(sh)]!);
      for (const sh of others) {
        const n = shells.indexOf(sh) + 1;
        await waitFor(`done-${n}`, async () => (sh.stdout().includes(`done-${n}`) ? true : null), { timeoutMs: 30_000 });
        expect(existsSync(path.join(dir, `flag-${n}`))).toBe(true);
        sh.end();
        await waitFor('ssh to exit', async () => (sh.code() !== undefined ? true : null));
        expect(sh.code()).toBe(0);
      }
      // the held command of the ended session never ran
      expect(existsSync(path.join(dir, `flag-${shells.indexOf(ended) + 1}`))).toBe(false);
      expect(agentAlive()).toBe(true);
    } finally {
      for (const sh of shells) if (sh.code() === undefined) sh.kill();
    }
  });
});
