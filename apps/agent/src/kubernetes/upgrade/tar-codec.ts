/**
 * The tar format as `kubectl cp` carries it (GNU tar and busybox in the container, Go's archive/tar in kubectl): a push
 * parser over 512-byte blocks — a header, the entry's data padded to a block, and two zero blocks at the end (GNU tar
 * pads its output with more zeros) — and a writer for a header whose size changed. No I/O. A header's checksum is
 * checked before anything in it is used; a size in base-256 (entries over 8 GiB) is read but marked `huge`.
 */

export const BLOCK = 512;

export interface TarHeader {
  /** the name in the header (with the ustar prefix); a GNU long name or pax path comes in an entry before it */
  name: string;
  /** `0` (or NUL, `7`): a file; `5` a directory; `1`/`2` links; `L`/`K` GNU long names; `x`/`g` pax records */
  type: string;
  size: number;
  /** the size is in base-256 (GNU tar over 8 GiB): not one hoop rewrites */
  huge: boolean;
  raw: Buffer;
}

const field = (b: Buffer, at: number, len: number) => b.toString('utf8', at, at + len).replace(/\0.*$/s, '');

/** A header block: 'end' for a zero block, an error when it is not a tar header (its checksum does not match). */
export function parseHeader(block: Buffer): TarHeader | 'end' | { error: string } {
  if (block.every((b) => b === 0)) return 'end';
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
  const stored = Number.parseInt(field(block, 148, 8).trim() || 'x', 8);
  if (stored !== sum) return { error: 'a header whose checksum does not match: not a tar archive, or a compressed one' };
  let size = 0;
  let huge = false;
  if (block[124]! & 0x80) {
    huge = true;
    for (let i = 125; i < 136; i++) size = size * 256 + block[i]!;
  } else size = Number.parseInt(field(block, 124, 12).trim() || '0', 8);
  if (!Number.isFinite(size) || size < 0) return { error: 'a header with a size hoop cannot read' };
  const posix = block.toString('latin1', 257, 263) === 'ustar\0';
  const prefix = posix ? field(block, 345, 155) : '';
  const name = prefix ? `${prefix}/${field(block, 0, 100)}` : field(block, 0, 100);
  return { name, type: String.fromCharCode(block[156]!) === '\0' ? '0' : String.fromCharCode(block[156]!), size, huge, raw: block };
}

/** The header with another size, its checksum written again. */
export function withSize(raw: Buffer, size: number): Buffer {
  const h = Buffer.from(raw);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

/** the zeros after `size` bytes of data, to the end of its block */
export const padding = (size: number) => (BLOCK - (size % BLOCK)) % BLOCK;

export interface TarEvents {
  header(h: TarHeader): void;
  /** a piece of the current entry's data */
  data(chunk: Buffer): void;
  /** the current entry's data is over (its padding read) */
  entryEnd(): void;
  /** bytes after the end of the archive (its zero blocks, GNU tar's record padding) */
  trailer(chunk: Buffer): void;
  error(message: string): void;
}

/** Reads an archive pushed in pieces of any size; after an error it reads nothing more. */
export class TarReader {
  private head = Buffer.alloc(0);
  private left = 0;
  private pad = 0;
  private state: 'header' | 'data' | 'pad' | 'end' | 'broken' = 'header';

  constructor(private readonly on: TarEvents) {}

  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length && this.state !== 'broken') {
      if (this.state === 'end') {
        this.on.trailer(chunk.subarray(at));
        return;
      }
      if (this.state === 'header') {
        const take = Math.min(BLOCK - this.head.length, chunk.length - at);
        this.head = Buffer.concat([this.head, chunk.subarray(at, at + take)]);
        at += take;
        if (this.head.length < BLOCK) return;
        const h = parseHeader(this.head);
        const block = this.head;
        this.head = Buffer.alloc(0);
        if (h === 'end') {
          this.state = 'end';
          this.on.trailer(block);
        } else if ('error' in h) {
          this.state = 'broken';
          this.on.error(h.error);
        } else {
          this.on.header(h);
          this.left = h.size;
          this.pad = padding(h.size);
          this.state = 'data';
          if (this.left === 0) this.finishData();
        }
        continue;
      }
      if (this.state === 'data') {
        const take = Math.min(this.left, chunk.length - at);
        this.on.data(chunk.subarray(at, at + take));
        at += take;
        this.left -= take;
        if (this.left === 0) this.finishData();
        continue;
      }
      const take = Math.min(this.pad, chunk.length - at);
      at += take;
      this.pad -= take;
      if (this.pad === 0) this.endEntry();
    }
  }

  /** the archive ended before its end blocks: the entry being read is cut short */
  get complete(): boolean {
    return this.state === 'end' || (this.state === 'header' && this.head.length === 0);
  }

  private finishData(): void {
    if (this.pad === 0) return this.endEntry();
    this.state = 'pad';
  }

  private endEntry(): void {
    this.state = 'header';
    this.on.entryEnd();
  }
}
