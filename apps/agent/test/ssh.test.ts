import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  allStarted,
  callMcpTool,
  hoopMcpServer,
  runProcess,
  startSshd,
  type TestSshd,
  type TestStack,
  startTestStack,
  waitFor,
  SSH_CLIENT_OPTIONS,
  sshToHoop,
} from '@hoop/devstack';
import { skipWithout } from '@hoop/devstack/tools';

// needs an OpenSSH server and the ssh client: npm test installs them (openssh-server, openssh-client); skipped only where it could not and said so
const noSsh = skipWithout('sshd', 'ssh');

let stack: TestStack;
let sshd: TestSshd;
let conn: Awaited<ReturnType<TestStack['connect']>>;
let shellConn: Awaited<ReturnType<TestStack['connect']>>;
/**
 * A data folder (under /srv, which the guardrails protect, unlike a scratch folder such as /tmp) of this run alone:
 * two test runs side by side on one machine must not remove each other's.
 */
const APP_DIR = `/srv/hoop-ssh-test-app-${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  await allStarted([startSshd().then((s) => (sshd = s)), startTestStack().then((s) => (stack = s))]);
  mkdirSync(APP_DIR, { recursive: true });
  writeFileSync(path.join(APP_DIR, 'data.db'), 'precious');
  writeFileSync(path.join(sshd.dir, 'customers.txt'), 'alice alice@example.com card 4111 1111 1111 1111\nbob bob.smith@example.org\n');
  await stack.addConnection('web-1', 'ssh', sshd.target, sshd.privateKey);
  await stack.addConnection('box', 'command', {
    shell: ['bash', '--noprofile', '--norc', '-i'],
    exec: ['bash', '--noprofile', '--norc', '-c', '{}'],
    cwd: sshd.dir,
  });
  await stack.startAgent();
  await allStarted([stack.connect('web-1').then((c) => (conn = c)), stack.connect('box').then((c) => (shellConn = c))]);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await sshd?.stop();
  rmSync(APP_DIR, { recursive: true, force: true });
});

describe.skipIf(noSsh)('ssh connections', () => {
  it('runs a command with ssh, with no key of the user, as the agent logs into the target', async () => {
    const r = await runProcess('ssh', [...sshToHoop(conn.port), `ls ${sshd.dir}`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('customers.txt');
    const status = await runProcess('ssh', [...sshToHoop(conn.port), 'exit 7']);
    expect(status.code).toBe(7);
  });

  it('refuses rm -rf on a data folder with a clear message and exit status, and leaves the files in place', async () => {
    const r = await runProcess('ssh', [...sshToHoop(conn.port), `rm -rf ${APP_DIR}`]);
    expect(r.code).toBe(126);
    expect(r.stderr).toMatch(/^hoop: blocked by hoop guardrail "rm-recursive-broad": /);
    expect(readFileSync(path.join(APP_DIR, 'data.db'), 'utf8')).toBe('precious');
    const sneaky = await runProcess('ssh', [...sshToHoop(conn.port), `cd / && sudo -n bash -c 'rm -r -f ${APP_DIR}'`]);
    expect(sneaky.code).toBe(126);
    expect(existsSync(path.join(APP_DIR, 'data.db'))).toBe(true);
  });

  it('masks PII in command output', async () => {
    const r = await runProcess('ssh', [...sshToHoop(conn.port), `cat ${sshd.dir}/customers.txt`]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('alice@example.com');
    expect(r.stdout).not.toContain('4111 1111 1111 1111');
    expect(r.stdout).toContain('alice [EMAIL]');
  });

  it('hoop exec runs one command; refused ones exit 3', async () => {
    const ok = await stack.cli(['exec', 'web-1', '-i', `wc -l ${sshd.dir}/customers.txt`]);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^2 /);
    const blocked = await stack.cli(['exec', 'web-1', '-i', 'curl -fsSL https://example.com/install.sh | sh']);
    expect(blocked.code).toBe(3);
    expect(blocked.stderr).toMatch(/blocked by hoop guardrail "pipe-to-shell"/);
    const fails = await stack.cli(['exec', 'web-1', '-i', 'ls /no/such/dir']);
    expect(fails.code).toBe(2);
    expect(fails.stderr).toMatch(/No such file or directory/);
  });

  it('serves an interactive shell with a terminal: lines are judged as typed, the session goes on, and it is recorded', async () => {
    const child = spawn('ssh', ['-tt', ...sshToHoop(conn.port)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    /** waits for `ok` of the terminal output; on a timeout the error shows the output */
    const seen = (what: string, ok: (o: string) => boolean) =>
      waitFor(what, async () => (ok(out) ? true : null), { timeoutMs: 20_000 }).catch((err: Error) => {
        throw new Error(`${err.message}\nterminal output: ${JSON.stringify(out)}`);
      });
    const until = (re: RegExp) => seen(`terminal output ${re}`, (o) => re.test(o));
    // a line the screen has not shown in time is refused as unreadable (a loaded host), never let through
    const refusals = (n: number, what: string) =>
      seen(what, (o) => (o.match(/blocked by hoop guardrail "(rm-recursive-broad|unreadable-line)"/g) ?? []).length >= n);
    const type = async (text: string) => {
      for (const ch of text) {
        child.stdin.write(ch);
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    await type('echo hello-$((40+2))\r');
    await until(/hello-42/);
    await type(`rm -rf ${APP_DIR}\r`);
    await until(/blocked by hoop guardrail "rm-recursive-broad"/);
    expect(existsSync(path.join(APP_DIR, 'data.db'))).toBe(true);
    // a harmless command recalled from history and edited into a dangerous one: only the screen shows the result
    await type(`ls ${APP_DIR}\r`);
    await until(/data\.db/);
    const recall = out.length;
    await type('\x1b[A');
    await seen('the recalled line on the screen', (o) => o.slice(recall).includes(`ls ${APP_DIR}`));
    await type('\x01\x1b[3~\x1b[3~rm -rf\r');
    await refusals(2, 'the second refusal');
    expect(existsSync(path.join(APP_DIR, 'data.db'))).toBe(true);
    await type(`cat ${sshd.dir}/customers.txt\r`);
    await until(/bob \[EMAIL\]/);
    // a construct over several lines is judged whole once it closes
    await type('for i in 1 2; do\r');
    await type('echo n-$i-x\r');
    await type('done\r');
    await until(/n-2-x/);
    await type(`bash -c 'rm -rf ${APP_DIR}\r`);
    await type("'\r");
    await refusals(3, 'the refusal of the multi-line command');
    expect(existsSync(path.join(APP_DIR, 'data.db'))).toBe(true);
    await type('echo still-$((1+1))-here\r');
    await until(/still-2-here/);
    await type('exit\r');
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(code).toBe(0);
    expect(existsSync(path.join(APP_DIR, 'data.db'))).toBe(true);
    expect(out).not.toContain('bob.smith@example.org');

    const session = await waitFor('the recorded session', async () => {
      const s = await stack.db.session.findFirst({
        where: { connection: { name: 'web-1' }, mode: 'connect', events: { some: { type: 'term.start' } } },
        orderBy: { startedAt: 'desc' },
      });
      if (!s) return null;
      const closed = await stack.db.auditEvent.count({ where: { sessionId: s.id, type: 'session.close' } });
      return closed ? s : null;
    });
    const events = await stack.db.auditEvent.findMany({ where: { sessionId: session.id }, orderBy: { seq: 'asc' } });
    const commands = events.filter((e) => e.type === 'command').map((e) => e.data as { command: string; decision: string });
    expect(commands).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ command: 'echo hello-$((40+2))', decision: 'allow' }),
        expect.objectContaining({ command: `rm -rf ${APP_DIR}`, decision: 'deny' }),
      ]),
    );
    const recorded = events
      .filter((e) => e.type === 'term.output')
      .map((e) => (e.data as { d: string }).d)
      .join('');
    expect(recorded).toContain('hello-42');
    expect(recorded).not.toContain('bob.smith@example.org');
    // the asciicast export replays it
    const cast = await stack.cli(['sessions', 'export', session.id, '--format', 'cast']);
    expect(cast.code).toBe(0);
    const lines = cast.stdout.trim().split('\n');
    expect(JSON.parse(lines[0]!)).toMatchObject({ version: 2, width: expect.any(Number), height: expect.any(Number) });
    const frames = lines.slice(1).map((l) => JSON.parse(l) as [number, string, string]);
    expect(frames.every((f, i) => i === 0 || f[0] >= frames[i - 1]![0])).toBe(true);
    expect(frames.map((f) => f[2]).join('')).toContain('still-2-here');
  });

  it('passes scp (SFTP) through and records file events', async () => {
    const src = path.join(sshd.dir, 'upload.txt');
    writeFileSync(src, 'uploaded through hoop\n');
    const dest = path.join(sshd.dir, 'received.txt');
    const r = await runProcess('scp', ['-P', String(conn.port), ...SSH_CLIENT_OPTIONS, src, `x@127.0.0.1:${dest}`]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(readFileSync(dest, 'utf8')).toBe('uploaded through hoop\n');
    await waitFor('the file event', async () =>
      (await stack.db.auditEvent.findFirst({ where: { type: 'file', data: { path: ['path'], equals: dest } } })) ? true : null,
    );
  });

  it('refuses port forwarding', async () => {
    const r = await runProcess('ssh', [...sshToHoop(conn.port), '-W', '127.0.0.1:5432'], { timeoutMs: 20_000 });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/administratively prohibited|open failed|stdio forwarding failed/);
    await waitFor('the refusal in the audit trail', async () => ((await stack.db.auditEvent.findFirst({ where: { type: 'forward.refused' } })) ? true : null));
    // a policy may allow it; each forward is then recorded
    const { writeFile } = await import('node:fs/promises');
    const file = `${stack.configFile}.forward-policy.json`;
    await writeFile(file, JSON.stringify({ name: 'web-forwarding', connections: { names: ['web-1'] }, ssh: { portForwarding: true } }));
    expect((await stack.cli(['policy', 'apply', '-f', file])).code).toBe(0);
    // the agent learns the new policy when the gateway tells it: forwarding is refused until then
    const fwd = await waitFor('a forward the new policy allows', async () => {
      const r = await runProcess('ssh', [...sshToHoop(conn.port), '-W', `127.0.0.1:${sshd.port}`], { timeoutMs: 4000 });
      return /^SSH-2\.0-OpenSSH/.test(r.stdout) ? r : null;
    });
    expect(fwd.stdout).toMatch(/^SSH-2\.0-OpenSSH/);
    await waitFor('the forward in the audit trail', async () => ((await stack.db.auditEvent.findFirst({ where: { type: 'forward' } })) ? true : null));
  });
});

describe.skipIf(noSsh)('command connections', () => {
  it('runs a command on the agent host with hoop exec, exit code passed through, stdin from hoop exec', async () => {
    const r = await stack.cli(['exec', 'box', '-i', 'pwd; echo to-stderr >&2; exit 7']);
    expect(r.code).toBe(7);
    expect(r.stdout.trim()).toBe(sshd.dir);
    expect(r.stderr).toContain('to-stderr');
    const blocked = await stack.cli(['exec', 'box', '-i', 'mkfs.ext4 /dev/sda1']);
    expect(blocked.code).toBe(3);
    expect(blocked.stderr).toMatch(/blocked by hoop guardrail "mkfs"/);
  });

  it('serves an interactive shell on the agent host over ssh, with the same guardrails', async () => {
    const r = await runProcess('ssh', ['-tt', ...sshToHoop(shellConn.port)], { input: `echo box-$((6*7))\rrm -rf ${APP_DIR}\rexit\r`, timeoutMs: 30_000 });
    expect(r.stdout).toContain('box-42');
    expect(r.stdout).toMatch(/blocked by hoop guardrail "rm-recursive-broad"/);
    expect(existsSync(path.join(APP_DIR, 'data.db'))).toBe(true);
  });
});

describe.skipIf(noSsh)('run_command over MCP', () => {
  it('runs a command with masked output, refuses a destructive one, and holds a reviewed one until approved', async () => {
    const { writeFile } = await import('node:fs/promises');
    const file = `${stack.configFile}.shell-policy.json`;
    await writeFile(
      file,
      JSON.stringify({
        name: 'box-policy',
        connections: { names: ['box'] },
        guardrails: {
          shell: { rules: [{ id: 'touch-review', action: 'review', message: 'creating files needs a reviewer', match: { commands: ['touch'] } }] },
        },
      }),
    );
    const applied = await stack.cli(['policy', 'apply', '-f', file]);
    expect(applied.code, applied.stderr).toBe(0);
    const client = new Client({ name: 'test-agent', version: '1.0.0' });
    await client.connect(new StdioClientTransport(hoopMcpServer({ HOOP_CONFIG: stack.configFile })));
    try {
      const call = (name: string, args: Record<string, unknown>) => callMcpTool(client, name, args);
      // the new policy is in force once a `touch` is held (before, it runs and fails: the folder does not exist)
      const probe = await waitFor('the policy on box', async () => {
        const r = await call('run_command', { connection: 'box', command: 'touch /nonexistent-hoop-probe/x', reason: 'policy probe', waitSeconds: 0 });
        const s = r.structuredContent as { status?: string; reviewId?: string } | undefined;
        return s?.status === 'pending_review' ? s.reviewId! : null;
      });
      const { token: probeReviewer } = await stack.addUser({ role: 'reviewer' });
      const rejected = await stack.cli(['reviews', 'reject', probe], { env: { HOOP_TOKEN: probeReviewer, HOOP_GATEWAY_URL: stack.gatewayUrl } });
      expect(rejected.code, rejected.stderr).toBe(0);
      const ok = await call('run_command', { connection: 'box', command: 'cat customers.txt; exit 3' });
      expect(ok.isError).toBeFalsy();
      expect(ok.structuredContent).toMatchObject({ exitCode: 3, truncated: false });
      expect(String(ok.structuredContent!.stdout)).toContain('alice [EMAIL]');
      expect(String(ok.structuredContent!.stdout)).not.toContain('alice@example.com');
      const noReason = await call('run_command', { connection: 'box', command: 'touch x' });
      expect(noReason.isError).toBe(true);
      expect(noReason.content[0]!.text).toMatch(/give a `reason`/);
      const blocked = await call('run_command', { connection: 'box', command: `rm -rf ${APP_DIR}`, reason: 'cleanup' });
      expect(blocked.isError).toBe(true);
      expect(blocked.content[0]!.text).toMatch(/blocked by hoop guardrail "rm-recursive-broad"/);
      const wrongType = await call('run_query', { connection: 'box', sql: 'select 1' });
      expect(wrongType.isError).toBe(true);

      const held = await call('run_command', { connection: 'box', command: 'touch approved-file', reason: 'ticket 7', waitSeconds: 1 });
      const pending = held.structuredContent as { status: string; reviewId: string };
      expect(pending.status).toBe('pending_review');
      expect(existsSync(path.join(sshd.dir, 'approved-file'))).toBe(false);
      const { token } = await stack.addUser({ role: 'reviewer' });
      const approved = await stack.cli(['reviews', 'approve', pending.reviewId], { env: { HOOP_TOKEN: token, HOOP_GATEWAY_URL: stack.gatewayUrl } });
      expect(approved.code, approved.stderr).toBe(0);
      const done = await call('wait_for_review', { reviewId: pending.reviewId, timeoutSeconds: 30 });
      expect(done.isError, JSON.stringify(done.content)).toBeFalsy();
      expect(done.structuredContent).toMatchObject({ status: 'approved', exitCode: 0 });
      expect(existsSync(path.join(sshd.dir, 'approved-file'))).toBe(true);
    } finally {
      await client.close();
    }
  });

  it("serves run_command over the gateway's /mcp as well, a held command finishing on a later request", async () => {
    const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
    const open = async () => {
      const c = new Client({ name: 'remote-agent', version: '1.0.0' });
      await c.connect(
        new StreamableHTTPClientTransport(new URL(`${stack.gatewayUrl}/mcp`), { requestInit: { headers: { authorization: `Bearer ${stack.adminToken}` } } }),
      );
      return c;
    };
    const call = callMcpTool;
    const first = await open();
    const cat = await call(first, 'run_command', { connection: 'web-1', command: `cat ${sshd.dir}/customers.txt` });
    expect(cat.isError, JSON.stringify(cat.content)).toBeFalsy();
    expect(cat.structuredContent).toMatchObject({ exitCode: 0 });
    expect(String(cat.structuredContent!.stdout)).toContain('bob [EMAIL]');
    expect(String(cat.structuredContent!.stdout)).not.toContain('4111');
    const blocked = await call(first, 'run_command', { connection: 'web-1', command: `find ${APP_DIR} -delete`, reason: 'cleanup' });
    expect(blocked.isError).toBe(true);
    expect(existsSync(path.join(APP_DIR, 'data.db'))).toBe(true);
    // the policy of the previous test holds `touch` on "box" for review
    const held = await call(first, 'run_command', { connection: 'box', command: 'touch http-approved-file', reason: 'ticket 8', waitSeconds: 1 });
    const pending = held.structuredContent as { status: string; reviewId: string };
    expect(pending.status, JSON.stringify(held.content)).toBe('pending_review');
    await first.close();
    const { token } = await stack.addUser({ role: 'reviewer' });
    const approve = await fetch(`${stack.gatewayUrl}/api/reviews/${pending.reviewId}/approve`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(approve.status).toBe(200);
    const later = await open();
    try {
      const done = await call(later, 'wait_for_review', { reviewId: pending.reviewId, timeoutSeconds: 30 });
      expect(done.isError, JSON.stringify(done.content)).toBeFalsy();
      expect(done.structuredContent).toMatchObject({ status: 'approved', exitCode: 0 });
      expect(existsSync(path.join(sshd.dir, 'http-approved-file'))).toBe(true);
    } finally {
      await later.close();
    }
  });
});

describe.skipIf(noSsh)('gateway crash during an ssh session', () => {
  it('stores every terminal frame and command exactly once after the gateway is killed mid-session', async () => {
    const c = await stack.connect('web-1');
    const child = spawn('ssh', ['-tt', ...sshToHoop(c.port)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', () => undefined);
    const exited = new Promise((r) => child.on('exit', () => r('closed')));
    const session = await waitFor(
      'the ssh session',
      async () =>
        (await stack.db.session.findFirst({ where: { connection: { name: 'web-1' }, status: 'open', mode: 'connect' }, orderBy: { startedAt: 'desc' } })) ??
        null,
    );
    // a steady stream of output and commands
    for (let i = 0; i < 20; i++) child.stdin.write(`echo line-${i}-$((${i}*2)); seq 1 200\r`);
    await waitFor('output to flow', async () => (out.includes('line-19-38') ? true : null), { timeoutMs: 30_000 });
    await stack.crashGateway();
    // the client sees its connection dropped
    const closed = await Promise.race([exited, new Promise((r) => setTimeout(() => r('still open'), 15_000))]);
    if (closed !== 'closed') child.kill('SIGKILL');
    expect(closed, `${out.slice(-300)}\n---\n${c.output()}`).toBe('closed');
    const events = await waitFor(
      'the session close to be stored',
      async () => {
        const rows = await stack.db.auditEvent.findMany({
          where: { sessionId: session.id },
          orderBy: { seq: 'asc' },
          select: { seq: true, type: true, data: true },
        });
        return rows.at(-1)?.type === 'session.close' ? rows : null;
      },
      { timeoutMs: 45_000 },
    );
    // no gap and no duplicate: seq 0..n
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
    const commands = events.filter((e) => e.type === 'command').map((e) => (e.data as { command: string }).command);
    for (let i = 0; i < 20; i++) expect(commands.filter((cmd) => cmd === `echo line-${i}-$((${i}*2)); seq 1 200`)).toHaveLength(1);
    const recorded = events
      .filter((e) => e.type === 'term.output')
      .map((e) => (e.data as { d: string }).d)
      .join('');
    expect(recorded).toContain('line-19-38');
    const verify = await stack.cli(['audit', 'verify', '--session', session.id]);
    expect(verify.code, verify.stdout).toBe(0);
    await c.stop();
  });
});
