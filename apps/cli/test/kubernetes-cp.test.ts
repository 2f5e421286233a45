/**
 * `kubectl cp` through hoop, both ways: real kubectl (the newest found: exec over WebSocket from 1.30 on, over SPDY
 * before, e.g. Debian's 1.20) → hoop connect → gateway → agent → the test kit's API
 * server, whose pod has a filesystem in memory and a `tar` that reads and writes it. An upload reaches the pod byte for
 * byte, each file recorded; a download is masked file by file in a correct archive (text masked, headers rewritten),
 * what cannot be masked (a binary file) is withheld with a message and a failed copy, never passed on silently; with
 * masking off in the policy it all goes through as it is. Every file is in the trail with its size and sha256.
 */
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
});
