import { createHash, type Hash } from 'node:crypto';

/** the most of one request's or response's body kept in its audit event; the rest is named by its size and sha256 */
export const RECORDED_BODY = 64 * 1024;

/**
 * A body as the trail keeps it: its first RECORDED_BODY bytes as text, its size, and the sha256 of all of it, taken
 * as the pieces pass (nothing waits for the whole body). A body marked binary is named by its size and hash only.
 */
export class BodyRecord {
  private readonly head: Buffer[] = [];
  private kept = 0;
  private total = 0;
  private readonly hash: Hash = createHash('sha256');
  /** not text: recorded by size and hash, its bytes not kept */
  binary = false;

  add(piece: Buffer): void {
    this.total += piece.length;
    this.hash.update(piece);
    if (this.kept < RECORDED_BODY) {
      // a copy: the piece's memory may be reused once it is passed on
      const part = Buffer.from(piece.subarray(0, RECORDED_BODY - this.kept));
      this.head.push(part);
      this.kept += part.length;
    }
  }

  get bytes(): number {
    return this.total;
  }

  /** the kept text (a multi-byte character cut at the limit is dropped) */
  text(): string {
    return new TextDecoder('utf-8', { fatal: false }).decode(Buffer.concat(this.head)).replace(/\uFFFD$/, '');
  }

  /** what the trail records of a text body (call once: it ends the hash) */
  fields(): { body: string; bytes: number; truncated: boolean; sha256: string } {
    return { body: this.text(), bytes: this.total, truncated: this.total > this.kept, sha256: this.hash.digest('hex') };
  }

  /** what the trail records: the text body's fields, or a binary body's size and hash (call once: it ends the hash) */
  recorded(): { body?: string; binary?: true; bytes: number; truncated: boolean; sha256: string } {
    if (!this.binary) return this.fields();
    return { binary: true, bytes: this.total, truncated: this.total > 0, sha256: this.hash.digest('hex') };
  }
}
