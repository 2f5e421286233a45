/**
 * Reads the client's side of an SFTP session (passed through untouched) to record file events: which files were
 * opened for reading or writing, removed, renamed, created. Packets are `uint32 length, byte type, uint32 id, …`
 * (draft-ietf-secsh-filexfer-02, the version OpenSSH speaks).
 */
const FXP = { OPEN: 3, SETSTAT: 9, OPENDIR: 11, REMOVE: 13, MKDIR: 14, RMDIR: 15, RENAME: 18, SYMLINK: 20 } as const;
const FXF_READ = 0x1;
const FXF_WRITE = 0x2;
const MAX_PACKET = 256 * 1024 + 1024;

export interface FileEvent { op: 'read' | 'write' | 'list' | 'remove' | 'mkdir' | 'rmdir' | 'rename' | 'symlink' | 'setstat'; path: string; to?: string }

export class SftpEventReader {
  private buf: Buffer = Buffer.alloc(0);
  private broken = false;

  constructor(private readonly onEvent: (e: FileEvent) => void) {}

  push(chunk: Buffer): void {
    if (this.broken) return;
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    while (this.buf.length >= 4) {
      const len = this.buf.readUInt32BE(0);
      if (len < 1 || len > MAX_PACKET) {
        // not a stream we can follow; the bytes still pass through
        this.broken = true;
        this.buf = Buffer.alloc(0);
        return;
      }
      if (this.buf.length < 4 + len) return;
      const packet = this.buf.subarray(4, 4 + len);
      this.buf = this.buf.subarray(4 + len);
      try {
        this.packet(packet);
      } catch {
        // a packet we cannot read is skipped
      }
    }
  }

  private packet(p: Buffer): void {
    const type = p[0];
    let off = 5; // type + request id
    const str = () => {
      const n = p.readUInt32BE(off);
      const s = p.subarray(off + 4, off + 4 + n).toString('utf8');
      off += 4 + n;
      return s;
    };
    switch (type) {
      case FXP.OPEN: {
        const path = str();
        const flags = p.readUInt32BE(off);
        this.onEvent({ op: flags & FXF_WRITE ? 'write' : flags & FXF_READ ? 'read' : 'read', path });
        return;
      }
      case FXP.OPENDIR:
        return this.onEvent({ op: 'list', path: str() });
      case FXP.REMOVE:
        return this.onEvent({ op: 'remove', path: str() });
      case FXP.MKDIR:
        return this.onEvent({ op: 'mkdir', path: str() });
      case FXP.RMDIR:
        return this.onEvent({ op: 'rmdir', path: str() });
      case FXP.SETSTAT:
        return this.onEvent({ op: 'setstat', path: str() });
      case FXP.RENAME: {
        const from = str();
        return this.onEvent({ op: 'rename', path: from, to: str() });
      }
      case FXP.SYMLINK: {
        const a = str();
        return this.onEvent({ op: 'symlink', path: a, to: str() });
      }
      default:
    }
  }
}
