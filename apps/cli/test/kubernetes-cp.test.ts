/**
 * `kubectl cp` through hoop, both ways: real kubectl (the newest found: exec over WebSocket from 1.30 on, over SPDY
 * before, e.g. Debian's 1.20) → hoop connect → gateway → agent → the test kit's API
 * server, whose pod has a filesystem in memory and a `tar` that reads and writes it. An upload reaches the pod byte for
 * byte, each file recorded; a download is masked file by file in a correct archive (text masked, headers rewritten),
 * what cannot be masked (a binary file) is withheld with a message and a failed copy, never passed on silently; with
 * masking off in the policy it all goes through as it is. Every file is in the trail with its size and sha256.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PodFiles, waitFor } from '@hoop/devstack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bins, type KubeStack, pod, startKubeStack } from './kube-stack';

const files = new PodFiles();
let k: KubeStack;
let local: string;

beforeAll(async () => {
  k = await startKubeStack({ commands: files.commands() });
  k.kube.put('pods', 'dev', pod('box'));
  local = path.join(k.dir, 'local');
  mkdirSync(local);
}, 180_000);

afterAll(async () => {
  await k?.stop();
});

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const kubectl = (args: string[]) => k.kubectl(bins.at(-1)!.path, ['-n', 'dev', ...args]);

/** kubectl exec's stdout as bytes; over SPDY with `spdy` */
const execBytes = (args: string[], spdy = false) =>
  new Promise<{ code: number; stdout: Buffer; stderr: string }>((resolve) =>
    execFile(
      bins.at(-1)!.path,
      ['--context', 'hoop-prod-k8s', '-n', 'dev', 'exec', 'box', '--', ...args],
      {
        encoding: 'buffer',
        timeout: 90_000,
        env: { HOME: k.dir, PATH: '/usr/bin:/bin', KUBECONFIG: k.kubeconfig, KUBECTL_REMOTE_COMMAND_WEBSOCKETS: String(!spdy) },
      },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr: stderr.toString() }),
    ),
  );
/** the script kubectl cp --retries runs */
const resumeAt = (p: string, n: number) => ['sh', '-c', `tar cf - '${p}' | tail -c+${n}`];

/** the trail's file events, once one is for `file` */
function fileEvents(file: string, op: 'upload' | 'download') {
  return waitFor(
    `the ${op} of ${file}`,
    async () => {
      const rows = await k.stack.db.auditEvent.findMany({ where: { type: 'file' }, orderBy: [{ at: 'asc' }] });
      const data = rows.map((e) => e.data as Record<string, unknown>);
      return data.find((e) => e.path === file && e.op === op) ?? null;
    },
    { timeoutMs: 15_000 },
  );
}

// kubectl: npm test installs Debian's kubernetes-client where none is found
describe.skipIf(bins.length === 0)('kubectl cp through hoop', () => {
  it('uploads a binary file byte for byte, recorded with its size and sha256', async () => {
    const content = Buffer.concat([randomBytes(200_000), Buffer.from('\0\0owner ann@example.com\n')]);
    writeFileSync(path.join(local, 'up.bin'), content);
    const r = await kubectl(['cp', path.join(local, 'up.bin'), 'box:/data/up.bin']);
    expect(r.code, r.stderr).toBe(0);
    expect(files.get('/data/up.bin')?.equals(content)).toBe(true);
    expect(await fileEvents('up.bin', 'upload')).toMatchObject({ size: content.length, sha256: sha(content) });
  });

  it('downloads text masked in a correct archive, the rest byte for byte', async () => {
    files.put('/data/report/people.txt', 'owner ann@example.com\ncard 4242 4242 4242 4242\nplain line\n');
    files.put('/data/report/notes.txt', 'nothing to hide\n');
    const r = await kubectl(['cp', 'box:/data/report', path.join(local, 'report')]);
    expect(r.code, r.stderr).toBe(0);
    const people = readFileSync(path.join(local, 'report', 'people.txt'), 'utf8');
    expect(people).not.toContain('ann@example.com');
    expect(people).not.toContain('4242 4242 4242 4242');
    expect(people).toMatch(/^owner \S+\ncard .+\nplain line\n$/);
    expect(readFileSync(path.join(local, 'report', 'notes.txt'), 'utf8')).toBe('nothing to hide\n');
    const event = await fileEvents('data/report/people.txt', 'download');
    expect(event).toMatchObject({
      size: files.get('/data/report/people.txt')!.length,
      maskedSize: Buffer.byteLength(people),
      sha256: sha(Buffer.from(people)),
    });
    expect(await fileEvents('data/report/notes.txt', 'download')).toMatchObject({ size: 16, sha256: sha(Buffer.from('nothing to hide\n')) });
    const statements = await k.stack.db.auditEvent.findMany({ where: { type: 'statement' } });
    expect(JSON.stringify(statements.map((s) => s.data))).not.toContain('ann@example.com');
  });

  it('withholds a binary file it cannot mask: the copy fails saying so, the files before it arrive', async () => {
    files.put('/data/mixed/a.txt', 'first\n');
    files.put('/data/mixed/b.bin', Buffer.concat([Buffer.from([0, 1, 2, 255]), Buffer.from('secret ann@example.com')]));
    files.put('/data/mixed/c.txt', 'after\n');
    const r = await kubectl(['cp', 'box:/data/mixed', path.join(local, 'mixed')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('data/mixed/b.bin was withheld: it is binary, which hoop cannot mask');
    expect(readFileSync(path.join(local, 'mixed', 'a.txt'), 'utf8')).toBe('first\n');
    expect(() => readFileSync(path.join(local, 'mixed', 'b.bin'))).toThrow();
    expect(await fileEvents('data/mixed/b.bin', 'download')).toMatchObject({ withheld: 'it is binary, which hoop cannot mask' });
  });

  it('kubectl cp --retries (sh -c "tar cf - PATH | tail -c+0") downloads masked as without it', async () => {
    files.put('/data/retry/people.txt', 'owner ann@example.com\n');
    const r = await kubectl(['cp', '--retries=3', 'box:/data/retry', path.join(local, 'retry')]);
    expect(r.code, r.stderr + JSON.stringify(k.kube.execs.slice(-3).map((e) => e.command))).toBe(0);
    const people = readFileSync(path.join(local, 'retry', 'people.txt'), 'utf8');
    expect(people).toMatch(/^owner \S+\n$/);
    expect(people).not.toContain('ann@example.com');
    expect(await fileEvents('data/retry/people.txt', 'download')).toMatchObject({ maskedSize: Buffer.byteLength(people) });
  });

  it('a resumed download (tail -c+N, N > 1) ends with a message and a failed exit, nothing of the archive sent, recorded', async () => {
    files.put('/data/resume/people.txt', 'owner ann@example.com\n'.repeat(100));
    for (const spdy of [false, true]) {
      const r = await execBytes(resumeAt('/data/resume', 513), spdy);
      expect(r.code).not.toBe(0);
      expect(r.stdout.length).toBe(0);
      expect(r.stderr).toContain('a kubectl cp download resumed part way (--retries: tar … | tail -c+N) cannot be masked');
      expect(r.stderr).toContain('run kubectl cp again, or without --retries');
    }
    expect(await fileEvents('(archive)', 'download')).toMatchObject({ withheld: expect.stringContaining('resumed part way') });
  });

  it('an archive through another pipe (| cat) is binary output: ended with a message, never decoded into something else', async () => {
    for (const spdy of [false, true]) {
      const r = await execBytes(['sh', '-c', 'tar cf - /data/resume | cat'], spdy);
      expect(r.code).not.toBe(0);
      expect(r.stdout.includes(Buffer.from('ann@example.com'))).toBe(false);
      expect(r.stdout.includes(0xef)).toBe(false);
      expect(r.stderr).toContain("the command's stdout is binary (a NUL or bytes that are not UTF-8 text), which hoop cannot mask");
    }
  });

  it('with masking off in the policy, downloads a binary file byte for byte, recorded', async () => {
    const content = Buffer.concat([randomBytes(100_000), Buffer.from('owner ann@example.com')]);
    files.put('/data/raw.bin', content);
    const policy = path.join(k.dir, 'unmasked.json');
    writeFileSync(policy, JSON.stringify({ name: 'k8s-guard', connections: { names: ['prod-k8s'] }, masking: { enabled: false } }));
    const applied = await k.stack.cli(['policy', 'apply', '-f', policy]);
    expect(applied.code, applied.stderr).toBe(0);
    const out = path.join(local, 'raw.bin');
    // the policy reaches the agent as a push: the first copies may still be judged by the one before
    const r = await waitFor('the policy without masking', async () => {
      const run = await kubectl(['cp', 'box:/data/raw.bin', out]);
      return run.code === 0 ? run : null;
    });
    expect(r.code).toBe(0);
    expect(readFileSync(out).equals(content)).toBe(true);
    expect(await fileEvents('data/raw.bin', 'download')).toMatchObject({ size: content.length, sha256: sha(content) });
  });

  it('with masking off, a resumed download and an archive through cat pass byte for byte', async () => {
    const archive = files.archive('/data/resume')!;
    for (const spdy of [false, true]) {
      const resumed = await execBytes(resumeAt('/data/resume', 513), spdy);
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(resumed.stdout.equals(archive.subarray(512))).toBe(true);
      const piped = await execBytes(['sh', '-c', 'tar cf - /data/resume | cat'], spdy);
      expect(piped.code, piped.stderr).toBe(0);
      expect(piped.stdout.equals(archive)).toBe(true);
    }
  });
});
