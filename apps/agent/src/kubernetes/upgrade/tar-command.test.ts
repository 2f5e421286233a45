import { describe, expect, it } from 'vitest';
import { withSize } from './tar-codec';
import { TarDownload, tailOffset, tarMode } from './tar-tap';
import { TextOutput } from './text-output';

/** the argv kubectl cp --retries sends, its path quoted as kubectl quotes it */
const retry = (p: string, n: number) => ['sh', '-c', `tar cf - '${p.replaceAll("'", `'\\''`)}' | tail -c+${n}`];

describe("kubectl cp --retries: sh -c 'tar cf - PATH | tail -c+N'", () => {
  it('is a download from byte 1, a resumed one after', () => {
    expect(tarMode(retry('/data/report', 1))).toBe('create');
    // kubectl's first try is from byte 0 (tail reads it as 1); before 1.37 it puts the path in unquoted
    expect(tarMode(['sh', '-c', 'tar cf - /data/retry | tail -c+0'])).toBe('create');
    expect(tarMode(['sh', '-c', 'tar cf - /data/retry | tail -c+1'])).toBe('create');
    expect(tarMode(['sh', '-c', 'tar cf - data/retry | tail -c+1025'])).toBe('resume');
    expect(tarMode(retry('/data/report', 2))).toBe('resume');
    expect(tarMode(retry('/data/report', 1_048_577))).toBe('resume');
    expect(tarMode(retry("/data/it's here; cat /etc/shadow", 1))).toBe('create');
    expect(tarMode(retry('/data/$(id) `id` *', 1))).toBe('create');
  });

  it('reads tail -c +N, extra spaces and tabs, a bare path, /bin/sh as the same', () => {
    expect(tarMode(['sh', '-c', 'tar cf - /x | tail -c +1'])).toBe('create');
    expect(tarMode(['sh', '-c', '  tar  cf\t-  /x|tail   -c  +7  '])).toBe('resume');
    expect(tarMode(['/bin/sh', '-c', "tar cf - 'a b'\\''c' | tail -c+1"])).toBe('create');
    expect(tailOffset("tar cf - '/x' | tail -c+12")).toBe(12);
  });

  it('is nothing else: another pipeline, a second command, an expansion, other options or quoting', () => {
    for (const script of [
      'tar cf - /x | tail -c 1',
      'tar cf - /x | tail -c-1',
      'tar cf - /x | tail -c+00',
      'tar cf - /x | tail -c+01',
      'tar cf - /x | cat',
      'tar cf - /x | base64',
      'tar czf - /x | tail -c+1',
      'tar cf - /x | gzip | tail -c+1',
      'tar cf - /x /y | tail -c+1',
      'tar cf - /x | tail -c+1; cat /secret',
      'tar cf - /x | tail -c+1 && cat /secret',
      'tar cf - /x | tail -c+1 > /tmp/a',
      'tar cf - /x | tail -c+1\ncat /secret',
      'tar cf - /x\n| tail -c+1',
      'cat /secret; tar cf - /x | tail -c+1',
      'tar cf - $(cat /s) | tail -c+1',
      'tar cf - `cat /s` | tail -c+1',
      'tar cf - "/x" | tail -c+1',
      "tar cf - '/x | tail -c+1",
      "tar cf - /x' | tail -c+1",
      'tar cf - /x* | tail -c+1',
      'tar cf - ~/x | tail -c+1',
      'tar cf - /x | tail -c+1 #',
      'tar cf - /x | tail -c+1 &',
      'TAR cf - /x | tail -c+1',
    ])
      expect([script, tarMode(['sh', '-c', script])]).toEqual([script, null]);
    expect(tarMode(['sh', '-c', 'tar cf - /x | tail -c+1', 'extra'])).toBe(null);
    expect(tarMode(['sh', '-e', '-c', 'tar cf - /x | tail -c+1'])).toBe(null);
    expect(tarMode(['bash', '-c', 'tar cf - /x | tail -c+1'])).toBe(null);
  });
});

describe('TextOutput: a byte stream told apart from text', () => {
  it('hands on whole characters, a character split across chunks at its end', () => {
    const t = new TextOutput();
    const euro = Buffer.from('a€b');
    expect(t.push(euro.subarray(0, 2))).toEqual({ text: Buffer.from('a') });
    expect(t.push(euro.subarray(2, 3))).toEqual({ text: Buffer.alloc(0) });
    expect(t.push(euro.subarray(3))).toEqual({ text: Buffer.from('€b') });
    expect(t.push(Buffer.from('\ufeffbom kept\n'))).toEqual({ text: Buffer.from('\ufeffbom kept\n') });
    expect(t.end()).toBe(null);
  });

  it('is binary from a NUL, bytes that are not UTF-8, or a character left unfinished — with every byte not handed on', () => {
    const nul = new TextOutput();
    expect(nul.push(Buffer.from('text\n'))).toEqual({ text: Buffer.from('text\n') });
    expect(nul.push(Buffer.from([0x61, 0, 0x62]))).toEqual({ binary: Buffer.from([0x61, 0, 0x62]) });
    expect(nul.push(Buffer.from('more'))).toEqual({ binary: Buffer.from('more') });
    const bad = new TextOutput();
    expect(bad.push(Buffer.from([0xe2, 0x82]))).toEqual({ text: Buffer.alloc(0) });
    expect(bad.push(Buffer.from([0x41]))).toEqual({ binary: Buffer.from([0xe2, 0x82, 0x41]) });
    for (const bytes of [[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0x80, 0x41]]) expect('binary' in new TextOutput().push(Buffer.from(bytes))).toBe(true);
    const cut = new TextOutput();
    expect(cut.push(Buffer.from([0x41, 0xf0, 0x9f]))).toEqual({ text: Buffer.from('A') });
    expect(cut.end()).toEqual(Buffer.from([0xf0, 0x9f]));
  });

  it('split at every offset, a mixed stream gives back its bytes exactly', () => {
    const stream = Buffer.concat([Buffer.from('héllo €😀\n'), Buffer.from([0xf0, 0x9f, 0x98]), Buffer.from('x\0y')]);
    for (let at = 0; at <= stream.length; at++) {
      const t = new TextOutput();
      const got: Buffer[] = [];
      for (const part of [stream.subarray(0, at), stream.subarray(at)]) {
        const r = t.push(part);
        got.push('text' in r ? r.text : r.binary);
      }
      got.push(t.end() ?? Buffer.alloc(0));
      expect(Buffer.concat(got).equals(stream)).toBe(true);
      expect(t.binary).toBe(true);
    }
  });
});

describe('a download archive with bytes after its end', () => {
  const file = () => {
    const h = Buffer.alloc(512);
    h.write('a.txt', 0);
    h.write('0000644\0', 100);
    h.write('0', 156);
    h.write('ustar\x0000', 257, 'latin1');
    return Buffer.concat([withSize(h, 6), Buffer.from('hello\n'), Buffer.alloc(506)]);
  };

  function download(input: Buffer, masking: boolean) {
    const out: Buffer[] = [];
    const withheld: string[] = [];
    const d = new TarDownload({
      masking,
      maskText: (t) => t,
      out: (b) => out.push(Buffer.from(b)),
      record: () => undefined,
      withhold: (r) => withheld.push(r),
    });
    for (let at = 0; at < input.length; at += 700) d.push(input.subarray(at, at + 700));
    d.end();
    return { out: Buffer.concat(out), withheld };
  }

  it('passes zeros (GNU tar pads to its record) and withholds anything else when masking', () => {
    const padded = Buffer.concat([file(), Buffer.alloc(10240 - 512)]);
    expect(download(padded, true)).toEqual({ out: padded, withheld: [] });
    const smuggled = Buffer.concat([file(), Buffer.alloc(512), Buffer.from('owner ann@example.com\n'), Buffer.alloc(100)]);
    const r = download(smuggled, true);
    expect(r.withheld).toEqual(['the archive was withheld: bytes after the end of the archive that are not its padding; the files before it were copied']);
    expect(r.out.includes(Buffer.from('ann@example.com'))).toBe(false);
    expect(download(smuggled, false)).toEqual({ out: smuggled, withheld: [] });
  });
});
