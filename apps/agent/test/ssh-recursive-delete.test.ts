import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProcess, startSshd, startTestStack, type TestSshd, type TestStack, waitFor, sshToHoop } from '@hoop/devstack';

let stack: TestStack;
let sshd: TestSshd;
let conn: Awaited<ReturnType<TestStack['connect']>>;

function tree(dir: string): string {
  mkdirSync(path.join(dir, 'sub'), { recursive: true });
  writeFileSync(path.join(dir, 'sub', 'keep.txt'), 'data');
  return path.join(dir, 'sub', 'keep.txt');
}

beforeAll(async () => {
  sshd = await startSshd();
  stack = await startTestStack();
  await stack.addConnection('web-rm', 'ssh', sshd.target, sshd.privateKey);
  await stack.startAgent();
  conn = await stack.connect('web-rm');
}, 120_000);

afterAll(async () => {
  await conn?.stop();
  await stack?.stop();
  await sshd?.stop();
});

describe('recursive deletion over ssh', () => {
  it('holds rm -rf of a working folder for review and runs nothing when it is rejected; a scratch path under /tmp is deleted at once', async () => {
    const kept = tree(path.join(sshd.dir, 'releases'));
    const child = spawn('ssh', [...sshToHoop(conn.port), `cd ${sshd.dir} && rm -rf releases`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('close', r));

    const review = await waitFor(
      'the review request',
      async () => (await stack.db.review.findFirst({ where: { statement: { contains: 'rm -rf releases' } } })) ?? null,
      { timeoutMs: 30_000 },
    );
    expect(review).toMatchObject({ status: 'pending', ruleId: 'rm-recursive' });
    expect(review.ruleMessage).toBe('rm -rf deletes everything under releases, which is not a scratch path');
    await waitFor('the waiting notice', async () => (stderr.includes('waiting for approval') ? true : null));
    expect(existsSync(kept)).toBe(true);

    const { token } = await stack.addUser({ role: 'reviewer' });
    const reject = await stack.cli(['reviews', 'reject', review.id, '--comment', 'not on prod'], {
      env: { HOOP_TOKEN: token, HOOP_GATEWAY_URL: stack.gatewayUrl },
    });
    expect(reject.code, reject.stderr).toBe(0);

    expect(await exited).toBe(126);
    expect(stderr).toMatch(new RegExp(`hoop: not approved by hoop review: review ${review.id} was rejected`));
    expect(existsSync(kept)).toBe(true);
    const recorded = await waitFor('the refused command in the audit trail', async () => {
      const e = await stack.db.auditEvent.findFirst({ where: { type: 'command', data: { path: ['command'], equals: `cd ${sshd.dir} && rm -rf releases` } } });
      return e ? (e.data as Record<string, unknown>) : null;
    });
    expect(recorded).toMatchObject({ decision: 'review', executed: false, reviewStatus: 'rejected' });

    // the same tree under /tmp is scratch: deleted without a reviewer
    expect(sshd.dir.startsWith('/tmp/')).toBe(true);
    const scratch = tree(path.join(sshd.dir, 'build-123'));
    const r = await runProcess('ssh', [...sshToHoop(conn.port), `rm -rf ${path.join(sshd.dir, 'build-123')}`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(existsSync(scratch)).toBe(false);
    expect(existsSync(kept)).toBe(true);
  });
});
