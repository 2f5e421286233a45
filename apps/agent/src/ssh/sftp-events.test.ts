import { describe, expect, it } from 'vitest';
import { type FileEvent, SftpFilter } from './sftp-events';
import { MAX_PACKET } from './sftp-wire';

// ── packets built by hand ────────────────────────────────────────────────────────────────────────────────────────────
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const u64 = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
};
const s = (v: string | Buffer) => {
  const b = typeof v === 'string' ? Buffer.from(v) : v;
  return Buffer.concat([u32(b.length), b]);
};
const pkt = (type: number, ...fields: Buffer[]) => {
  const body = Buffer.concat([Buffer.from([type]), ...fields]);
  return Buffer.concat([u32(body.length), body]);
};
const req = (type: number, id: number, ...fields: Buffer[]) => pkt(type, u32(id), ...fields);
const ext = (id: number, name: string, ...fields: Buffer[]) => req(200, id, s(name), ...fields);
const noAttrs = u32(0);
const mode = (m: number) => Buffer.concat([u32(0x4), u32(m)]);
const h = (n: number) => u32(n); // OpenSSH's handles are 4-byte indexes
const hex = (n: number) => h(n).toString('hex');

const INIT = pkt(1, u32(3));
const VERSION = pkt(2, u32(3), s('posix-rename@openssh.com'), s('1'), s('copy-data'), s('1'));
const HANDLE = (id: number, n: number) => pkt(102, u32(id), s(h(n)));
const STATUS = (id: number, code = 0) => pkt(101, u32(id), u32(code), s(code ? 'failed' : 'Success'), s(''));
const OPEN = (id: number, path: string, flags: number) => req(3, id, s(path), u32(flags), noAttrs);
const WRITE = (id: number, n: number, data: string | Buffer, off = 0) => req(6, id, s(h(n)), u64(off), s(data));
const READ = 0x1;
const WRITE_CREAT_TRUNC = 0x2 | 0x8 | 0x10;

type Step = ['c' | 's', Buffer];

function harness() {
  const server: Buffer[] = [];
  const client: Buffer[] = [];
  const events: FileEvent[] = [];
  const refused: { request: string; id: number }[] = [];
  const fails: string[] = [];
  const f = new SftpFilter({
    toServer: (b) => server.push(Buffer.from(b)),
    toClient: (b) => client.push(Buffer.from(b)),
    record: (e) => events.push(e),
    refused: (r) => refused.push(r),
    fail: (r) => fails.push(r),
  });
  const feed = (steps: Step[], split: (b: Buffer) => Buffer[] = (b) => [b]) => {
    for (const [dir, bytes] of steps) for (const part of split(bytes)) dir === 'c' ? f.fromClient(part) : f.fromServer(part);
  };
  return { f, feed, fails, result: () => ({ server: Buffer.concat(server), client: Buffer.concat(client), events, refused, fails }) };
}

const hello: Step[] = [
  ['c', INIT],
  ['s', VERSION],
];
const unsupported = (id: number) => pkt(101, u32(id), u32(8), s(`hoop does not pass the SFTP request "vendor-id" on`), s(''));

/** a session with every request a client sends, the target's replies, and what hoop must make of it */
function session() {
  const steps: Step[] = [...hello];
  const forwarded: Buffer[] = [INIT];
  const delivered: Buffer[] = [VERSION];
  const c = (...ps: Buffer[]) => {
    for (const p of ps) {
      steps.push(['c', p]);
      forwarded.push(p);
    }
  };
  const t = (...ps: Buffer[]) => {
    for (const p of ps) {
      steps.push(['s', p]);
      delivered.push(p);
    }
  };
  // an upload: the open is the record, not each write
  c(OPEN(1, '/srv/up.txt', WRITE_CREAT_TRUNC));
  t(HANDLE(1, 0));
  c(WRITE(2, 0, 'hello '), WRITE(3, 0, 'world', 6), req(10, 4, s(h(0)), mode(0o600)), ext(5, 'fsync@openssh.com', s(h(0))), req(4, 6, s(h(0))));
  t(STATUS(2), STATUS(3), STATUS(4), STATUS(5), STATUS(6));
  // a handle opened to read, then written: recorded once
  c(OPEN(7, '/srv/in.txt', READ));
  t(HANDLE(7, 1));
  c(WRITE(8, 1, 'x'), WRITE(9, 1, 'y'));
  // a handle whose open hoop never saw
  c(WRITE(10, 9, 'guessed'), WRITE(11, 9, 'again'));
  // open with TRUNC but no WRITE still truncates (OpenSSH passes O_TRUNC on)
  c(OPEN(12, '/srv/trunc.txt', READ | 0x10));
  t(STATUS(12, 2));
  // server-side copy
  c(OPEN(13, '/srv/copy.txt', WRITE_CREAT_TRUNC));
  t(HANDLE(13, 2));
  c(ext(14, 'copy-data', s(h(1)), u64(0), u64(0), s(h(2)), u64(0)));
  c(req(11, 15, s('/srv')));
  t(HANDLE(15, 3));
  c(req(12, 16, s(h(3))));
  // path-named changes
  c(
    req(13, 17, s('/srv/old.txt')),
    req(14, 18, s('/srv/newdir'), mode(0o755)),
    req(15, 19, s('/srv/newdir')),
    req(9, 20, s('/srv/a.txt'), mode(0o640)),
    req(18, 21, s('/srv/a.txt'), s('/srv/b.txt')),
    req(20, 22, s('b.txt'), s('/srv/link')),
    ext(23, 'posix-rename@openssh.com', s('/srv/b.txt'), s('/srv/c.txt')),
    ext(24, 'hardlink@openssh.com', s('/srv/c.txt'), s('/srv/hard.txt')),
    ext(25, 'lsetstat@openssh.com', s('/srv/link'), Buffer.concat([u32(0x2 | 0x8), u32(1000), u32(1000), u32(1), u32(2)])),
    req(10, 26, s(h(9)), mode(0o644)),
  );
  // look-ups, recorded as today: not one by one
  c(
    ext(27, 'statvfs@openssh.com', s('/srv')),
    ext(28, 'fstatvfs@openssh.com', s(h(1))),
    ext(29, 'expand-path@openssh.com', s('~/x')),
    ext(30, 'limits@openssh.com'),
    ext(31, 'home-directory', s('alice')),
    ext(32, 'users-groups-by-id@openssh.com', s(Buffer.concat([u32(0), u32(1000)])), s(u32(0))),
    req(17, 33, s('/srv')),
    req(7, 34, s('/srv')),
    req(16, 35, s('.')),
    req(19, 36, s('/srv/link')),
    req(5, 37, s(h(1)), u64(0), u32(32768)),
    req(8, 38, s(h(1))),
  );
  // an extension hoop does not know: answered here, never forwarded
  steps.push(['c', ext(39, 'vendor-id', s('x'), s('y'))]);
  delivered.push(unsupported(39));
  t(STATUS(14), STATUS(17));
  const events: FileEvent[] = [
    { op: 'write', path: '/srv/up.txt' },
    { op: 'setstat', path: '/srv/up.txt', attrs: { mode: '0600' } },
    { op: 'read', path: '/srv/in.txt' },
    { op: 'write', path: '/srv/in.txt' },
    { op: 'write', path: `(unknown handle ${hex(9)})`, handle: hex(9) },
    { op: 'write', path: '/srv/trunc.txt' },
    { op: 'write', path: '/srv/copy.txt' },
    { op: 'copy', path: '/srv/in.txt', to: '/srv/copy.txt' },
    { op: 'list', path: '/srv' },
    { op: 'remove', path: '/srv/old.txt' },
    { op: 'mkdir', path: '/srv/newdir', attrs: { mode: '0755' } },
    { op: 'rmdir', path: '/srv/newdir' },
    { op: 'setstat', path: '/srv/a.txt', attrs: { mode: '0640' } },
    { op: 'rename', path: '/srv/a.txt', to: '/srv/b.txt' },
    { op: 'symlink', path: 'b.txt', to: '/srv/link' },
    { op: 'rename', path: '/srv/b.txt', to: '/srv/c.txt' },
    { op: 'hardlink', path: '/srv/c.txt', to: '/srv/hard.txt' },
    { op: 'setstat', path: '/srv/link', attrs: { uid: 1000, gid: 1000, atime: 1, mtime: 2 } },
    { op: 'setstat', path: `(unknown handle ${hex(9)})`, handle: hex(9), attrs: { mode: '0644' } },
  ];
  return {
    steps,
    server: Buffer.concat(forwarded),
    client: Buffer.concat(delivered),
    events,
    refused: [{ request: 'vendor-id', id: 39 }],
    fails: [] as string[],
  };
}

describe('SftpFilter', () => {
  it('records every change with its paths, forwards every known request byte for byte, and refuses an unknown extension', () => {
    const want = session();
    const t = harness();
    t.feed(want.steps);
    expect(t.result()).toEqual({ server: want.server, client: want.client, events: want.events, refused: want.refused, fails: [] });
  });

  it('reads the same session split at every byte offset, fed a byte at a time, and with each side in one chunk', () => {
    const want = session();
    // buffers compared as hex: deep equality walks them byte by byte
    const flat = (r: ReturnType<ReturnType<typeof harness>['result']>) => ({ ...r, server: r.server.toString('hex'), client: r.client.toString('hex') });
    const expected = { server: want.server.toString('hex'), client: want.client.toString('hex'), events: want.events, refused: want.refused, fails: [] };
    const longest = Math.max(...want.steps.map(([, b]) => b.length));
    for (let k = 1; k < longest; k++) {
      const t = harness();
      t.feed(want.steps, (b) => (k < b.length ? [b.subarray(0, k), b.subarray(k)] : [b]));
      expect(flat(t.result()), `split at ${k}`).toEqual(expected);
    }
    const bytes = harness();
    bytes.feed(want.steps, (b) => [...b].map((x) => Buffer.from([x])));
    expect(flat(bytes.result())).toEqual(expected);
    // runs of one side's packets in one chunk, split across packet boundaries at every offset of the run
    const runs: Step[] = [];
    for (const [d, b] of want.steps) {
      const last = runs.at(-1);
      if (last && last[0] === d) last[1] = Buffer.concat([last[1], b]);
      else runs.push([d, b]);
    }
    const whole = harness();
    whole.feed(runs);
    expect(flat(whole.result())).toEqual(expected);
    const biggest = runs.reduce((a, r) => (r[1].length > a[1].length ? r : a));
    for (let k = 1; k < biggest[1].length; k++) {
      const t = harness();
      t.feed(runs, (b) => (b === biggest[1] ? [b.subarray(0, k), b.subarray(k)] : [b]));
      expect(flat(t.result()), `run split at ${k}`).toEqual(expected);
    }
  });

  it('passes a 256 KiB write whole, in any chunking, and records it once', () => {
    const data = Buffer.alloc(256 * 1024, 7);
    const steps: Step[] = [...hello, ['c', OPEN(1, '/srv/big', 0x2)], ['s', HANDLE(1, 0)], ['c', WRITE(2, 0, data)], ['c', WRITE(3, 0, data, data.length)]];
    for (const size of [1000, 32 * 1024, 65_537]) {
      const t = harness();
      t.feed(steps, (b) => Array.from({ length: Math.ceil(b.length / size) }, (_, i) => b.subarray(i * size, (i + 1) * size)));
      const r = t.result();
      expect(r.fails).toEqual([]);
      expect(r.events).toEqual([{ op: 'write', path: '/srv/big' }]);
      expect(r.server.equals(Buffer.concat([INIT, OPEN(1, '/srv/big', 0x2), WRITE(2, 0, data), WRITE(3, 0, data, data.length)]))).toBe(true);
    }
  });

  it('lowers the version a client offers to 3, and leaves the rest of its INIT alone', () => {
    const t = harness();
    t.feed([['c', pkt(1, u32(6), s('vendor'), s('x'))]]);
    expect(t.result().server).toEqual(pkt(1, u32(3), s('vendor'), s('x')));
  });

  it("holds a refusal until the target's packet in progress is whole", () => {
    const t = harness();
    const data = pkt(103, u32(5), s(Buffer.alloc(1000, 1)));
    t.feed([...hello, ['c', req(5, 5, s(h(0)), u64(0), u32(1000))], ['s', data.subarray(0, 500)], ['c', ext(6, 'vendor-id')], ['s', data.subarray(500)]]);
    const r = t.result();
    expect(r.client).toEqual(Buffer.concat([VERSION, data, pkt(101, u32(6), u32(8), s('hoop does not pass the SFTP request "vendor-id" on'), s(''))]));
    // and a refusal sent before the target's VERSION comes after it
    const early = harness();
    early.feed([
      ['c', Buffer.concat([INIT, ext(1, 'vendor-id')])],
      ['s', VERSION],
    ]);
    expect(early.result().client).toEqual(Buffer.concat([VERSION, pkt(101, u32(1), u32(8), s('hoop does not pass the SFTP request "vendor-id" on'), s(''))]));
    expect(early.result().server).toEqual(INIT);
  });

  it('maps a handle again once it is closed and handed out for another file', () => {
    const t = harness();
    t.feed([
      ...hello,
      ['c', OPEN(1, '/srv/a', READ)],
      ['s', HANDLE(1, 0)],
      ['c', Buffer.concat([req(4, 2, s(h(0))), OPEN(3, '/srv/b', READ)])],
      ['s', Buffer.concat([STATUS(2), HANDLE(3, 0)])],
      ['c', req(10, 4, s(h(0)), mode(0o600))],
    ]);
    expect(t.result().events.at(-1)).toEqual({ op: 'setstat', path: '/srv/b', attrs: { mode: '0600' } });
  });
});

describe('SftpFilter refuses what it cannot read, and ends the session on record', () => {
  const MALFORMED: [string, Buffer, RegExp][] = [
    ['an empty packet', u32(0), /empty packet/],
    ['a length over the maximum', u32(MAX_PACKET + 1), new RegExp(`packet of ${MAX_PACKET + 1} bytes`)],
    ['a huge length', Buffer.from([0xff, 0xff, 0xff, 0xff]), /packet of 4294967295 bytes/],
    ['a path past the end of its packet', pkt(13, u32(1), u32(100), Buffer.from('/sr')), /REMOVE request \(id 1\) is cut short/],
    ['a packet with no id', pkt(13, Buffer.from([0, 0])), /REMOVE request is cut short/],
    ['bytes past the last field', pkt(13, u32(1), s('/srv/x'), Buffer.from([0])), /REMOVE request \(id 1\) has 1 bytes past its last field/],
    ['an unknown packet type', req(42, 1, s('/srv')), /unknown packet type 42/],
    ['a reply type from the client', req(101, 1, u32(0)), /STATUS \(type 101\) is not a request a client sends/],
    ['a VERSION from the client', pkt(2, u32(3)), /VERSION \(type 2\) is not a request/],
    ['a NUL in a path', req(13, 1, s('/srv/ok\0/etc/passwd')), /NUL byte/],
    ['a truncated extension name', pkt(200, u32(1), u32(50), Buffer.from('posix')), /EXTENDED request \(id 1\) is cut short/],
    ['a posix-rename missing its new path', ext(1, 'posix-rename@openssh.com', s('/srv/a')), /cut short/],
    ['a copy-data missing its offset', ext(1, 'copy-data', s(h(1)), u64(0), u64(0), s(h(2))), /cut short/],
    ['a limits request with data', ext(1, 'limits@openssh.com', u32(0)), /past its last field/],
    ['attributes with a huge extended count', req(9, 1, s('/srv/a'), u32(0x80000000), u32(0xffffffff)), /SETSTAT request \(id 1\) is cut short/],
    ['a handle over 256 bytes', req(4, 1, s(Buffer.alloc(257))), /handle of 257 bytes/],
    ['an OPEN without its attributes', req(3, 1, s('/srv/a'), u32(1)), /OPEN request \(id 1\) is cut short/],
  ];
  for (const [name, bad, reason] of MALFORMED) {
    it(`ends on ${name}, after passing what came before it, and drops what follows`, () => {
      const t = harness();
      const before = req(13, 90, s('/srv/before'));
      const after = req(13, 91, s('/srv/after'));
      t.feed([...hello, ['c', Buffer.concat([before, bad])], ['c', after], ['s', STATUS(90)]]);
      t.f.clientEnded();
      const r = t.result();
      expect(r.fails).toHaveLength(1);
      expect(r.fails[0]).toMatch(reason);
      expect(r.server).toEqual(Buffer.concat([INIT, before]));
      expect(r.events).toEqual([{ op: 'remove', path: '/srv/before' }]);
      expect(r.client).toEqual(VERSION);
    });
  }

  it('ends on a request before INIT', () => {
    const t = harness();
    t.feed([['c', req(13, 1, s('/srv/x'))]]);
    expect(t.result()).toMatchObject({ fails: [expect.stringMatching(/before INIT/)], server: Buffer.alloc(0), events: [] });
  });

  it('ends when a request id is reused while an OPEN with it waits for its handle', () => {
    const t = harness();
    t.feed([...hello, ['c', OPEN(1, '/srv/a', READ)], ['c', OPEN(1, '/srv/b', 0x2)]]);
    expect(t.result().fails).toEqual([expect.stringMatching(/reused request id 1/)]);
    expect(t.result().server).toEqual(Buffer.concat([INIT, OPEN(1, '/srv/a', READ)]));
  });

  it('ends when the input stops inside a packet', () => {
    for (const cut of [2, 6]) {
      const t = harness();
      t.feed([...hello, ['c', req(13, 1, s('/srv/x')).subarray(0, cut)]]);
      expect(t.result().fails).toEqual([]);
      t.f.clientEnded();
      expect(t.result().fails).toEqual([expect.stringMatching(/input ended inside a packet/)]);
    }
  });

  it('ends when the client holds more handles than it follows', () => {
    const t = harness();
    t.feed(hello);
    for (let i = 0; i < 5000 && !t.fails.length; i++)
      t.feed([
        ['c', OPEN(i, `/srv/f${i}`, READ)],
        ['s', HANDLE(i, i)],
      ]);
    expect(t.result().fails).toEqual([expect.stringMatching(/more open handles and pending OPENs than hoop follows \(4096\)/)]);
  });

  const BAD_TARGET: [string, Buffer[], RegExp][] = [
    ['another SFTP version', [pkt(2, u32(4))], /speaks SFTP version 4/],
    ['a reply before its VERSION', [STATUS(1)], /answered before its VERSION/],
    ['a second VERSION', [VERSION, VERSION], /second VERSION/],
    ['a request type', [VERSION, req(13, 1, s('/x'))], /sent a REMOVE packet/],
    ['an unknown type', [VERSION, pkt(150, u32(1))], /unknown packet type 150/],
    ['an empty packet', [VERSION, u32(0)], /packet of 0 bytes/],
    ['a handle too long', [VERSION, pkt(102, u32(1), s(Buffer.alloc(300)))], /HANDLE reply of 309 bytes/],
    ['a HANDLE with trailing bytes', [VERSION, pkt(102, u32(1), s(h(1)), Buffer.from([1]))], /past its last field/],
  ];
  for (const [name, packets, reason] of BAD_TARGET) {
    it(`ends when the target sends ${name}`, () => {
      const t = harness();
      t.feed([['c', INIT], ...packets.map((p): Step => ['s', p]), ['c', req(13, 5, s('/srv/x'))]]);
      expect(t.result().fails).toEqual([expect.stringMatching(reason)]);
      expect(t.result().server).toEqual(INIT);
    });
  }

  it('ends when the target stops inside a packet', () => {
    const t = harness();
    t.feed([
      ['c', INIT],
      ['s', VERSION.subarray(0, 7)],
    ]);
    t.f.serverEnded();
    expect(t.result().fails).toEqual([expect.stringMatching(/target's output ended inside a packet/)]);
  });
});
