import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { padding, parseHeader, TarReader, withSize } from './tar-codec';
import { type FileRecord, MAX_MASKED_FILE, TarDownload, tarMode, TarUpload } from './tar-tap';

/** A download masked, an upload recorded, each archive pushed in every split: what comes out is a correct archive. */

function entry(name: string, content: Buffer | string, type = '0'): Buffer {
  const data = Buffer.from(content);
  const h = Buffer.alloc(512);
  h.write(name, 0);
  h.write('0000644\0', 100);
  h.write(type, 156);
  h.write('ustar\x0000', 257, 'latin1');
  return Buffer.concat([withSize(h, data.length), data, Buffer.alloc(padding(data.length))]);
}
const archive = (...entries: Buffer[]) => Buffer.concat([...entries, Buffer.alloc(1024 + 512 * 4)]);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const mask = (t: string) => t.replace(/\S+@example\.com/g, '[EMAIL]');

function download(input: Buffer, split: number[], masking = true) {
  const out: Buffer[] = [];
  const files: FileRecord[] = [];
  const withheld: string[] = [];
  const d = new TarDownload({ masking, maskText: mask, out: (b) => out.push(Buffer.from(b)), record: (f) => files.push(f), withhold: (r) => withheld.push(r) });
  let at = 0;
  for (const cut of [...split, input.length]) {
    d.push(input.subarray(at, cut));
    at = cut;
  }
  d.end();
  return { out: Buffer.concat(out), files, withheld };
}

/** the files of an archive, read back */
function unpack(b: Buffer): Record<string, string> {
  const files: Record<string, string> = {};
  let name = '';
  let parts: Buffer[] = [];
  const r = new TarReader({
    header: (h) => {
      name = h.name;
      parts = [];
    },
    data: (c) => void parts.push(Buffer.from(c)),
    entryEnd: () => void (files[name] = Buffer.concat(parts).toString('utf8')),
    trailer: () => undefined,
    error: (m) => {
      throw new Error(m);
    },
  });
  r.push(b);
  expect(r.complete).toBe(true);
  return files;
}

describe('a download through hoop', () => {
  const people = 'owner ann@example.com\nplain\n';
  const input = archive(entry('data/', '', '5'), entry('data/people.txt', people), entry('data/notes.txt', 'nothing\n'));

  it('masks each text file in a correct archive, however the stream is cut', () => {
    const whole = download(input, []);
    expect(unpack(whole.out)).toEqual({ 'data/': '', 'data/people.txt': 'owner [EMAIL]\nplain\n', 'data/notes.txt': 'nothing\n' });
    expect(whole.files).toEqual([
      { op: 'download', path: 'data/people.txt', size: people.length, maskedSize: 20, sha256: sha(Buffer.from('owner [EMAIL]\nplain\n')) },
      { op: 'download', path: 'data/notes.txt', size: 8, sha256: sha(Buffer.from('nothing\n')) },
    ]);
    for (let cut = 1; cut < input.length; cut += 37) expect(download(input, [cut]).out.equals(whole.out), `cut at ${cut}`).toBe(true);
    expect(
      download(
        input,
        Array.from({ length: input.length - 1 }, (_, i) => i + 1),
      ).out.equals(whole.out),
    ).toBe(true);
  });

  it('passes it as it is with masking off, each file recorded', () => {
    const r = download(input, [700], false);
    expect(r.out.equals(input)).toBe(true);
    expect(r.files.map((f) => [f.path, f.sha256])).toEqual([
      ['data/people.txt', sha(Buffer.from(people))],
      ['data/notes.txt', sha(Buffer.from('nothing\n'))],
    ]);
  });

  it('stops at what it cannot mask, having sent the files before it, and says which', () => {
    const bin = download(archive(entry('a.txt', 'first\n'), entry('b.bin', Buffer.from([0, 1, 2, 0xff])), entry('c.txt', 'ann@example.com')), [900]);
    expect(bin.withheld).toEqual(['b.bin was withheld: it is binary, which hoop cannot mask; the files before it were copied']);
    expect(bin.out.toString('latin1')).toContain('first\n');
    expect(bin.out.toString('latin1')).not.toContain('ann@example.com');
    expect(bin.files.at(-1)).toMatchObject({ path: 'b.bin', withheld: 'it is binary, which hoop cannot mask' });
    const big = download(archive(entry('big.txt', 'x'.repeat(MAX_MASKED_FILE + 1))), []);
    expect(big.withheld[0]).toContain('big.txt was withheld: it is over 8 MiB');
    const gzip = download(Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), Buffer.alloc(600)]), []);
    expect(gzip.withheld[0]).toContain('the archive was withheld: a header whose checksum does not match');
    expect(gzip.out.length).toBe(0);
    const cut = download(input.subarray(0, 1100), []);
    expect(cut.withheld[0]).toContain('the archive ended in the middle of a file');
  });

  it('names a file by its GNU long name and its pax path', () => {
    const long = `data/${'d'.repeat(120)}/secret.txt`;
    const pax = `${' path='.length + long.length + 4} path=${long}\n`;
    const r = download(
      archive(entry('././@LongLink', `${long}\0`, 'L'), entry(long.slice(0, 99), 'ann@example.com\n'), entry('PaxHeader', pax, 'x'), entry('short', 'x\n')),
      [],
    );
    expect(r.files.map((f) => f.path)).toEqual([long, long]);
    expect(r.out.toString('latin1')).not.toContain('ann@example.com');
    // a pax record that sets a size is one hoop does not rewrite
    const sized = download(archive(entry('PaxHeader', '16 size=1000000\n', 'x'), entry('f', 'ann@example.com')), []);
    expect(sized.withheld[0]).toContain('f was withheld: its size is set by a pax record');
  });
});

describe('an upload through hoop', () => {
  it('records each file with its size and sha256', () => {
    const files: FileRecord[] = [];
    const up = new TarUpload((f) => files.push(f));
    const input = archive(entry('up.bin', Buffer.from([0, 1, 2])), entry('dir/', '', '5'), entry('dir/x.txt', 'ann@example.com'));
    for (let i = 0; i < input.length; i += 100) up.push(input.subarray(i, i + 100));
    expect(files).toEqual([
      { op: 'upload', path: 'up.bin', size: 3, sha256: sha(Buffer.from([0, 1, 2])) },
      { op: 'upload', path: 'dir/x.txt', size: 15, sha256: sha(Buffer.from('ann@example.com')) },
    ]);
  });
});

describe('tar commands', () => {
  it('are told apart as kubectl cp and people write them', () => {
    expect(tarMode(['tar', 'cf', '-', '/data'])).toBe('create');
    expect(tarMode(['/bin/tar', '-czf', '-', 'x'])).toBe('create');
    expect(tarMode(['tar', '--create', '-f', '-', 'x'])).toBe('create');
    expect(tarMode(['tar', '-xmf', '-', '-C', '/data'])).toBe('extract');
    expect(tarMode(['tar', '--no-same-permissions', '--no-same-owner', '-xmf', '-'])).toBe('extract');
    expect(tarMode(['tar', 'tf', '-'])).toBe(null);
    expect(tarMode(['sh', '-c', 'tar cf - /data'])).toBe(null);
    expect(parseHeader(Buffer.alloc(512))).toBe('end');
  });
});
