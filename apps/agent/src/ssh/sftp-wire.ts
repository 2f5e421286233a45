/**
 * SFTP version 3 packets (draft-ietf-secsh-filexfer-02, the version OpenSSH speaks, with OpenSSH's extensions from its
 * PROTOCOL file): `uint32 length, byte type, uint32 id, …`. Client requests are decoded whole and strictly (a field past
 * the end of the packet or bytes left over is an error); of the server's replies only the head is read.
 */
export const FXP = {
  INIT: 1,
  VERSION: 2,
  OPEN: 3,
  CLOSE: 4,
  READ: 5,
  WRITE: 6,
  LSTAT: 7,
  FSTAT: 8,
  SETSTAT: 9,
  FSETSTAT: 10,
  OPENDIR: 11,
  READDIR: 12,
  REMOVE: 13,
  MKDIR: 14,
  RMDIR: 15,
  REALPATH: 16,
  STAT: 17,
  RENAME: 18,
  READLINK: 19,
  SYMLINK: 20,
  STATUS: 101,
  HANDLE: 102,
  DATA: 103,
  NAME: 104,
  ATTRS: 105,
  EXTENDED: 200,
  EXTENDED_REPLY: 201,
} as const;
export const FX_OP_UNSUPPORTED = 8;
export const SFTP_VERSION = 3;
/** OpenSSH's SFTP_MAX_MSG_LENGTH (256 KiB) plus room for headers */
export const MAX_PACKET = 256 * 1024 + 1024;
/** "The handle strings MUST NOT be longer than 256 bytes." */
export const MAX_HANDLE = 256;

const FXF = { READ: 0x1, WRITE: 0x2, APPEND: 0x4, CREAT: 0x8, TRUNC: 0x10, EXCL: 0x20 } as const;
/** open flags that change the file system: OpenSSH passes CREAT and TRUNC on even without WRITE */
const CHANGING_OPEN = FXF.WRITE | FXF.APPEND | FXF.CREAT | FXF.TRUNC | FXF.EXCL;
const ATTR = { SIZE: 0x1, UIDGID: 0x2, PERMISSIONS: 0x4, ACMODTIME: 0x8, EXTENDED: 0x80000000 } as const;

/** A packet hoop cannot read, or a session it cannot follow any further. */
export class SftpWireError extends Error {}

/** The attributes a SETSTAT-like request sets, as recorded. */
export interface SetAttrs {
  size?: number | string;
  uid?: number;
  gid?: number;
  mode?: string;
  atime?: number;
  mtime?: number;
  extended?: string[];
}

/** What a client request does, as far as recording and filtering go. Handles are hex. */
export type Request =
  | { kind: 'init'; version: number }
  | { kind: 'open'; id: number; path: string; write: boolean }
  | { kind: 'opendir'; id: number; path: string }
  | { kind: 'close'; id: number; handle: string }
  | { kind: 'write'; id: number; handle: string }
  | { kind: 'fsetstat'; id: number; handle: string; attrs: SetAttrs }
  | { kind: 'copy'; id: number; from: string; to: string }
  /** a change named by path(s): remove, mkdir, rmdir, setstat, rename, symlink, hardlink */
  | {
      kind: 'change';
      id: number;
      op: 'remove' | 'mkdir' | 'rmdir' | 'setstat' | 'rename' | 'symlink' | 'hardlink';
      path: string;
      to?: string;
      attrs?: SetAttrs;
    }
  /** reads and look-ups that change nothing and are not recorded one by one (READ, STAT, READDIR, statvfs, …) */
  | { kind: 'query'; id: number }
  /** an extended request hoop does not know: refused, never forwarded */
  | { kind: 'unknown-extended'; id: number; name: string };

const NAMES: Record<number, string> = Object.fromEntries(Object.entries(FXP).map(([k, v]) => [v, k]));

/** A cursor over one packet (without its length prefix). */
class Fields {
  private off = 0;
  constructor(
    private readonly p: Buffer,
    private readonly what: () => string,
  ) {}

  private need(n: number): void {
    if (this.off + n > this.p.length) throw new SftpWireError(`${this.what()} is cut short`);
  }
  u8(): number {
    this.need(1);
    return this.p[this.off++]!;
  }
  u32(): number {
    this.need(4);
    const v = this.p.readUInt32BE(this.off);
    this.off += 4;
    return v;
  }
  u64(): bigint {
    this.need(8);
    const v = this.p.readBigUInt64BE(this.off);
    this.off += 8;
    return v;
  }
  bytes(): Buffer {
    const n = this.u32();
    this.need(n);
    const b = this.p.subarray(this.off, this.off + n);
    this.off += n;
    return b;
  }
  /** a path or name: text without NUL (OpenSSH ends the session on one; recording it would name another file) */
  text(): string {
    const b = this.bytes();
    if (b.includes(0)) throw new SftpWireError(`${this.what()} has a NUL byte in a path or name`);
    return b.toString('utf8');
  }
  handle(): string {
    const b = this.bytes();
    if (b.length > MAX_HANDLE) throw new SftpWireError(`${this.what()} has a handle of ${b.length} bytes (at most ${MAX_HANDLE})`);
    return b.toString('hex');
  }
  get left(): number {
    return this.p.length - this.off;
  }
  skipRest(): void {
    this.off = this.p.length;
  }
  done(): void {
    if (this.off !== this.p.length) throw new SftpWireError(`${this.what()} has ${this.p.length - this.off} bytes past its last field`);
  }
}

const num64 = (v: bigint) => (v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString());

function readAttrs(f: Fields): SetAttrs {
  const flags = f.u32();
  const a: SetAttrs = {};
  if (flags & ATTR.SIZE) a.size = num64(f.u64());
  if (flags & ATTR.UIDGID) {
    a.uid = f.u32();
    a.gid = f.u32();
  }
  if (flags & ATTR.PERMISSIONS) a.mode = (f.u32() & 0o7777).toString(8).padStart(4, '0');
  if (flags & ATTR.ACMODTIME) {
    a.atime = f.u32();
    a.mtime = f.u32();
  }
  if (flags & ATTR.EXTENDED) {
    const count = f.u32();
    a.extended = [];
    // each pair is at least 8 bytes, so a huge count fails on the first missing one
    for (let i = 0; i < count; i++) {
      a.extended.push(f.text().slice(0, 200));
      f.bytes();
    }
  }
  return a;
}

/** Decodes one client packet (type byte first, no length prefix). */
export function decodeRequest(p: Buffer): Request {
  const type = p[0]!;
  let id = -1;
  const f = new Fields(p, () => `${NAMES[type] ?? `type ${type}`} request${id >= 0 ? ` (id ${id})` : ''}`);
  f.u8();
  if (type === FXP.INIT) {
    const version = f.u32();
    // extension pairs may follow
    while (f.left > 0) {
      f.bytes();
      f.bytes();
    }
    return { kind: 'init', version };
  }
  id = f.u32();
  const r = body(type, id, f);
  f.done();
  return r;
}

function body(type: number, id: number, f: Fields): Request {
  switch (type) {
    case FXP.OPEN: {
      const path = f.text();
      const flags = f.u32();
      readAttrs(f);
      return { kind: 'open', id, path, write: (flags & CHANGING_OPEN) !== 0 };
    }
    case FXP.OPENDIR:
      return { kind: 'opendir', id, path: f.text() };
    case FXP.CLOSE:
      return { kind: 'close', id, handle: f.handle() };
    case FXP.READ:
      f.handle();
      f.u64();
      f.u32();
      return { kind: 'query', id };
    case FXP.WRITE: {
      const handle = f.handle();
      f.u64();
      f.bytes();
      return { kind: 'write', id, handle };
    }
    case FXP.FSTAT:
    case FXP.READDIR:
      f.handle();
      return { kind: 'query', id };
    case FXP.LSTAT:
    case FXP.STAT:
    case FXP.REALPATH:
    case FXP.READLINK:
      f.text();
      return { kind: 'query', id };
    case FXP.FSETSTAT: {
      const handle = f.handle();
      return { kind: 'fsetstat', id, handle, attrs: readAttrs(f) };
    }
    case FXP.SETSTAT: {
      const path = f.text();
      return { kind: 'change', id, op: 'setstat', path, attrs: readAttrs(f) };
    }
    case FXP.MKDIR: {
      const path = f.text();
      return { kind: 'change', id, op: 'mkdir', path, attrs: readAttrs(f) };
    }
    case FXP.REMOVE:
      return { kind: 'change', id, op: 'remove', path: f.text() };
    case FXP.RMDIR:
      return { kind: 'change', id, op: 'rmdir', path: f.text() };
    case FXP.RENAME:
      return { kind: 'change', id, op: 'rename', path: f.text(), to: f.text() };
    case FXP.SYMLINK:
      // OpenSSH sends the link's target first and the new link second (the reverse of the draft)
      return { kind: 'change', id, op: 'symlink', path: f.text(), to: f.text() };
    case FXP.EXTENDED:
      return extended(id, f);
    default:
      throw new SftpWireError(type in NAMES ? `${NAMES[type]} (type ${type}) is not a request a client sends` : `unknown packet type ${type}`);
  }
}

/** OpenSSH's extended requests; any other is refused. */
function extended(id: number, f: Fields): Request {
  const name = f.bytes().toString('utf8');
  switch (name) {
    case 'posix-rename@openssh.com':
      return { kind: 'change', id, op: 'rename', path: f.text(), to: f.text() };
    case 'hardlink@openssh.com':
      return { kind: 'change', id, op: 'hardlink', path: f.text(), to: f.text() };
    case 'lsetstat@openssh.com': {
      const path = f.text();
      return { kind: 'change', id, op: 'setstat', path, attrs: readAttrs(f) };
    }
    case 'copy-data': {
      const from = f.handle();
      f.u64();
      f.u64();
      const to = f.handle();
      f.u64();
      return { kind: 'copy', id, from, to };
    }
    case 'fsync@openssh.com':
    case 'fstatvfs@openssh.com':
      f.handle();
      return { kind: 'query', id };
    case 'statvfs@openssh.com':
    case 'expand-path@openssh.com':
    case 'home-directory':
      f.text();
      return { kind: 'query', id };
    case 'limits@openssh.com':
      return { kind: 'query', id };
    case 'users-groups-by-id@openssh.com':
      f.bytes();
      f.bytes();
      return { kind: 'query', id };
    default:
      // the rest of the packet is the unknown request's own business
      f.skipRest();
      return { kind: 'unknown-extended', id, name: name.slice(0, 200) };
  }
}

function frame(body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(4 + body.length);
  out.writeUInt32BE(body.length, 0);
  body.copy(out, 4);
  return out;
}

const str = (s: string) => {
  const b = Buffer.from(s, 'utf8');
  const len = Buffer.allocUnsafe(4);
  len.writeUInt32BE(b.length, 0);
  return Buffer.concat([len, b]);
};

/** An SSH_FXP_STATUS reply, length prefix included. */
export function statusPacket(id: number, code: number, message: string): Buffer {
  const head = Buffer.allocUnsafe(9);
  head[0] = FXP.STATUS;
  head.writeUInt32BE(id, 1);
  head.writeUInt32BE(code, 5);
  return frame(Buffer.concat([head, str(message), str('')]));
}

/** The INIT packet, length prefix included, with its version lowered to the one hoop reads. */
export function clampInit(packet: Buffer): Buffer {
  const copy = Buffer.from(packet);
  if (copy.readUInt32BE(5) > SFTP_VERSION) copy.writeUInt32BE(SFTP_VERSION, 5);
  return copy;
}

/** What hoop reads of a server packet: the head, up to the handle of a HANDLE reply. */
export const SERVER_HEAD = 4 + 1 + 4 + 4 + MAX_HANDLE;

export type Reply = { kind: 'version'; version: number } | { kind: 'handle'; id: number; handle: string } | { kind: 'reply'; id: number };

/**
 * Reads the head of a server packet: `head` holds its first bytes (length prefix included), `length` is its length.
 * Throws on a packet a version 3 server does not send.
 */
export function decodeReply(head: Buffer, length: number): Reply {
  const type = head[4]!;
  const what = () => `the target's ${NAMES[type] ?? `type ${type}`} packet`;
  const f = new Fields(head.subarray(4), what);
  f.u8();
  if (type === FXP.VERSION) return { kind: 'version', version: f.u32() };
  if (type < FXP.STATUS || (type > FXP.ATTRS && type !== FXP.EXTENDED_REPLY))
    throw new SftpWireError(`the target sent ${type in NAMES ? `a ${NAMES[type]} packet` : `an unknown packet type ${type}`}`);
  const id = f.u32();
  if (type !== FXP.HANDLE) return { kind: 'reply', id };
  if (length > SERVER_HEAD - 4) throw new SftpWireError(`the target sent a HANDLE reply of ${length} bytes (a handle is at most ${MAX_HANDLE})`);
  const handle = f.handle();
  f.done();
  return { kind: 'handle', id, handle };
}
