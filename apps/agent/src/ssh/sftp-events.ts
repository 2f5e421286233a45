import {
  clampInit,
  decodeReply,
  decodeRequest,
  FX_OP_UNSUPPORTED,
  MAX_PACKET,
  type Request,
  SERVER_HEAD,
  type SetAttrs,
  SFTP_VERSION,
  SftpWireError,
  statusPacket,
} from './sftp-wire';

/**
 * Follows an SFTP session both ways to record every change as a file event, and fails closed.
 *
 * Client → target is a filter: each packet is decoded whole (at most MAX_PACKET bytes held), recorded, and forwarded
 * byte for byte; an extended request hoop does not know is answered SSH_FX_OP_UNSUPPORTED and never forwarded; a packet
 * that cannot be decoded ends the session (`fail`). Target → client is a tap: bytes pass untouched, only the head of each
 * packet is read, to learn which path each handle names (the HANDLE reply to an OPEN/OPENDIR, matched by request id).
 * hoop's own replies go to the client between two of the target's packets.
 */
export type FileOp = 'read' | 'write' | 'list' | 'remove' | 'mkdir' | 'rmdir' | 'rename' | 'symlink' | 'hardlink' | 'setstat' | 'copy';

/**
 * `to` is the name a rename, link or copy creates (for a symlink, `path` is what the link points to, as OpenSSH
 * sends it). A handle whose OPEN was not seen is named `(unknown handle <hex>)`, with `handle` set.
 */
export interface FileEvent {
  op: FileOp;
  path: string;
  to?: string;
  handle?: string;
  attrs?: SetAttrs;
}

export interface SftpFilterHooks {
  /** allowed client packets, unchanged (an INIT's version is lowered to 3), for the target */
  toServer(bytes: Buffer): void;
  /** the target's bytes, untouched, with hoop's refusals between its packets, for the client */
  toClient(bytes: Buffer): void;
  record(e: FileEvent): void;
  /** an extended request that was answered OP_UNSUPPORTED and not forwarded */
  refused(r: { request: string; id: number }): void;
  /** the session cannot be followed any further; called once, and all later input is dropped */
  fail(reason: string): void;
}

/** open handles plus OPENs awaiting their reply (OpenSSH's client keeps 64 requests in flight) */
const MAX_TRACKED = 4096;
const MAX_TRACKED_BYTES = 8 * 1024 * 1024;
/** refusals waiting for the target to finish the packet it is sending */
const MAX_QUEUED_REPLIES = 1024;
/** the target's packets are read by their head only; a length past this means the stream is not SFTP */
const MAX_SERVER_PACKET = 16 * 1024 * 1024;

interface Handle {
  path: string | null;
  writeRecorded: boolean;
}

export const unknownHandle = (hex: string) => `(unknown handle ${hex})`;

export class SftpFilter {
  private dead = false;
  private initSeen = false;
  private versionSeen = false;
  // client side: a length prefix being read, then the packet being filled
  private readonly cHead = Buffer.alloc(4);
  private cHeadFill = 0;
  private cPacket: Buffer | null = null;
  private cFill = 0;
  // target side: the head of the current packet, then the bytes left of it
  private readonly sHead = Buffer.alloc(SERVER_HEAD);
  private sFill = 0;
  private sNeed = 4;
  private sLen = -1;
  private sRest = 0;
  private replies: Buffer[] = [];
  // what the handles name
  private readonly pending = new Map<number, { path: string; write: boolean }>();
  private readonly handles = new Map<string, Handle>();
  private trackedBytes = 0;

  constructor(private readonly hooks: SftpFilterHooks) {}

  get failed(): boolean {
    return this.dead;
  }

  fromClient(chunk: Buffer): void {
    if (this.dead) return;
    const out: Buffer[] = [];
    const flush = () => {
      if (out.length) this.hooks.toServer(out.length === 1 ? out[0]! : Buffer.concat(out));
      out.length = 0;
    };
    let i = 0;
    try {
      while (i < chunk.length) {
        if (!this.cPacket) {
          const start = this.cHeadFill === 0 ? i : -1;
          const n = Math.min(4 - this.cHeadFill, chunk.length - i);
          chunk.copy(this.cHead, this.cHeadFill, i, i + n);
          this.cHeadFill += n;
          i += n;
          if (this.cHeadFill < 4) break;
          this.cHeadFill = 0;
          const len = this.cHead.readUInt32BE(0);
          if (len < 1) throw new SftpWireError('the client sent an empty packet');
          if (len > MAX_PACKET) throw new SftpWireError(`the client sent a packet of ${len} bytes (at most ${MAX_PACKET})`);
          if (start >= 0 && chunk.length - i >= len) {
            // the whole packet is in this chunk
            i += len;
            this.clientPacket(chunk.subarray(start, i), out);
            continue;
          }
          this.cPacket = Buffer.allocUnsafe(4 + len);
          this.cHead.copy(this.cPacket, 0);
          this.cFill = 4;
        }
        const n = Math.min(this.cPacket.length - this.cFill, chunk.length - i);
        chunk.copy(this.cPacket, this.cFill, i, i + n);
        this.cFill += n;
        i += n;
        if (this.cFill === this.cPacket.length) {
          const packet = this.cPacket;
          this.cPacket = null;
          this.clientPacket(packet, out);
        }
      }
    } catch (err) {
      // what was decoded before the bad packet was recorded, so it goes on
      flush();
      return this.fail(err);
    }
    flush();
  }

  /** the client closed its input: a packet cut short is refused on record */
  clientEnded(): void {
    if (this.dead || (!this.cPacket && this.cHeadFill === 0)) return;
    const have = this.cPacket ? `${this.cFill} of ${this.cPacket.length}` : `${this.cHeadFill} of 4`;
    this.fail(new SftpWireError(`the client's input ended inside a packet (${have} bytes)`));
  }

  fromServer(chunk: Buffer): void {
    if (this.dead) return;
    let i = 0;
    let sent = 0;
    try {
      while (i < chunk.length) {
        if (this.sRest > 0) {
          const n = Math.min(this.sRest, chunk.length - i);
          this.sRest -= n;
          i += n;
          if (this.sRest === 0) sent = this.boundary(chunk, sent, i);
          continue;
        }
        const n = Math.min(this.sNeed - this.sFill, chunk.length - i);
        chunk.copy(this.sHead, this.sFill, i, i + n);
        this.sFill += n;
        i += n;
        if (this.sFill < this.sNeed) break;
        if (this.sLen < 0) {
          this.sLen = this.sHead.readUInt32BE(0);
          if (this.sLen < 1 || this.sLen > MAX_SERVER_PACKET) throw new SftpWireError(`the target sent a packet of ${this.sLen} bytes`);
          this.sNeed = Math.min(4 + this.sLen, SERVER_HEAD);
          continue;
        }
        this.serverHead(this.sHead.subarray(0, this.sFill), this.sLen);
        this.sRest = 4 + this.sLen - this.sFill;
        this.sFill = 0;
        this.sNeed = 4;
        this.sLen = -1;
        if (this.sRest === 0) sent = this.boundary(chunk, sent, i);
      }
    } catch (err) {
      return this.fail(err);
    }
    if (sent < chunk.length) this.hooks.toClient(chunk.subarray(sent));
  }

  /** the target closed its output */
  serverEnded(): void {
    if (this.dead || (this.sFill === 0 && this.sRest === 0)) return;
    this.fail(new SftpWireError("the target's output ended inside a packet"));
  }

  private clientPacket(framed: Buffer, out: Buffer[]): void {
    const r = decodeRequest(framed.subarray(4));
    if (r.kind === 'init') {
      this.initSeen = true;
      out.push(clampInit(framed));
      return;
    }
    if (!this.initSeen) throw new SftpWireError('the client sent a request before INIT');
    if (this.pending.has(r.id)) throw new SftpWireError(`the client reused request id ${r.id} while an OPEN with that id awaits its reply`);
    if (r.kind === 'unknown-extended') return this.refuse(r.id, r.name);
    this.request(r);
    out.push(framed);
  }

  private request(r: Exclude<Request, { kind: 'init' | 'unknown-extended' }>): void {
    switch (r.kind) {
      case 'open':
        this.hooks.record({ op: r.write ? 'write' : 'read', path: r.path });
        return this.expect(r.id, r.path, r.write);
      case 'opendir':
        this.hooks.record({ op: 'list', path: r.path });
        return this.expect(r.id, r.path, false);
      case 'close':
        return this.dropHandle(r.handle);
      case 'write': {
        const h = this.handles.get(r.handle);
        if (h?.writeRecorded) return;
        this.hooks.record({ op: 'write', ...this.named(r.handle) });
        if (h) h.writeRecorded = true;
        else this.setHandle(r.handle, { path: null, writeRecorded: true });
        return;
      }
      case 'fsetstat':
        return this.hooks.record({ op: 'setstat', ...this.named(r.handle), attrs: r.attrs });
      case 'copy': {
        const from = this.named(r.from);
        const to = this.named(r.to);
        return this.hooks.record({ op: 'copy', path: from.path, to: to.path, ...(to.handle ? { handle: to.handle } : {}) });
      }
      case 'change':
        return this.hooks.record({ op: r.op, path: r.path, ...(r.to !== undefined ? { to: r.to } : {}), ...(r.attrs ? { attrs: r.attrs } : {}) });
      case 'query':
        return;
    }
  }

  private named(handle: string): { path: string; handle?: string } {
    const path = this.handles.get(handle)?.path;
    return path != null ? { path } : { path: unknownHandle(handle), handle };
  }

  private refuse(id: number, name: string): void {
    this.hooks.refused({ request: name, id });
    const reply = statusPacket(id, FX_OP_UNSUPPORTED, `hoop does not pass the SFTP request "${name}" on`);
    if (this.versionSeen && this.sFill === 0 && this.sRest === 0 && this.replies.length === 0) return this.hooks.toClient(reply);
    if (this.replies.length >= MAX_QUEUED_REPLIES) throw new SftpWireError(`more than ${MAX_QUEUED_REPLIES} refused requests wait for the target`);
    this.replies.push(reply);
  }

  /** between two of the target's packets: hoop's waiting replies go out */
  private boundary(chunk: Buffer, sent: number, at: number): number {
    if (!this.replies.length || !this.versionSeen) return sent;
    if (at > sent) this.hooks.toClient(chunk.subarray(sent, at));
    const replies = this.replies;
    this.replies = [];
    for (const r of replies) this.hooks.toClient(r);
    return at;
  }

  private serverHead(head: Buffer, length: number): void {
    const r = decodeReply(head, length);
    if (r.kind === 'version') {
      if (this.versionSeen) throw new SftpWireError('the target sent a second VERSION');
      if (r.version !== SFTP_VERSION) throw new SftpWireError(`the target speaks SFTP version ${r.version}; hoop follows version ${SFTP_VERSION}`);
      this.versionSeen = true;
      return;
    }
    if (!this.versionSeen) throw new SftpWireError('the target answered before its VERSION');
    const open = this.pending.get(r.id);
    if (!open) return;
    this.pending.delete(r.id);
    this.trackedBytes -= open.path.length;
    if (r.kind === 'handle') this.setHandle(r.handle, { path: open.path, writeRecorded: open.write });
  }

  private expect(id: number, path: string, write: boolean): void {
    this.reserve(path.length);
    this.pending.set(id, { path, write });
  }

  private setHandle(handle: string, h: Handle): void {
    this.dropHandle(handle);
    this.reserve(handle.length + (h.path?.length ?? 0));
    this.handles.set(handle, h);
  }

  private dropHandle(handle: string): void {
    const h = this.handles.get(handle);
    if (!h) return;
    this.handles.delete(handle);
    this.trackedBytes -= handle.length + (h.path?.length ?? 0);
  }

  private reserve(bytes: number): void {
    if (this.pending.size + this.handles.size >= MAX_TRACKED || this.trackedBytes + bytes > MAX_TRACKED_BYTES) {
      throw new SftpWireError(`the client holds more open handles and pending OPENs than hoop follows (${MAX_TRACKED})`);
    }
    this.trackedBytes += bytes;
  }

  private fail(err: unknown): void {
    if (this.dead) return;
    this.dead = true;
    this.pending.clear();
    this.handles.clear();
    this.replies = [];
    this.cPacket = null;
    const reason = err instanceof SftpWireError ? err.message : `hoop could not read the SFTP session (${err instanceof Error ? err.message : String(err)})`;
    this.hooks.fail(reason);
  }
}
