/** Largest buffer kept as the size hint for the next one (a burst of big rows does not make every later one big). */
const MAX_HINT = 1024 * 1024;
const MIN_HINT = 256;
/** Copies up to this many bytes with a loop: below it a loop beats making a typed-array view to copy from. */
const LOOP_COPY = 24;

/**
 * Bytes on their way to one peer, gathered into one buffer: messages are appended in order and DataRows written in
 * place, so relaying a batch of rows costs one allocation and one write instead of one of each per row.
 * `take()` hands the bytes over and starts a new buffer (the one handed over is never written again).
 */
export class MessageBuffer {
  private buf: Buffer | null = null;
  private len = 0;
  private rowStart = -1;
  private hint: number;

  /** `initialSize`: the first buffer's size; later ones are sized after the batch before (a buffer grows by doubling) */
  constructor(initialSize = 16 * 1024) {
    this.hint = initialSize;
  }

  get length(): number {
    return this.len;
  }

  /** Room for `n` more bytes; returns the buffer to write into. */
  private room(n: number): Buffer {
    const need = this.len + n;
    const cur = this.buf;
    if (cur !== null && need <= cur.length) return cur;
    const next = Buffer.allocUnsafe(Math.max(need, cur === null ? this.hint : cur.length * 2));
    if (cur !== null && this.len > 0) cur.copy(next, 0, 0, this.len);
    this.buf = next;
    return next;
  }

  append(bytes: Uint8Array): void {
    this.appendRange(bytes, 0, bytes.length);
  }

  appendRange(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    const buf = this.room(n);
    const at = this.len;
    if (n <= LOOP_COPY) for (let i = 0; i < n; i++) buf[at + i] = src[start + i]!;
    else buf.set(src.subarray(start, end), at);
    this.len = at + n;
  }

  /** Starts a DataRow of `columns` values; add each with `cell*`, then `endDataRow()`. */
  beginDataRow(columns: number): void {
    const buf = this.room(7);
    this.rowStart = this.len;
    buf[this.len] = 0x44;
    buf.writeInt16BE(columns, this.len + 5);
    this.len += 7;
  }

  /** A value copied from `src[start, end)`. */
  cell(src: Uint8Array, start: number, end: number): void {
    this.int32(end - start);
    this.appendRange(src, start, end);
  }

  cellNull(): void {
    this.int32(-1);
  }

  cellBytes(bytes: Uint8Array): void {
    this.cell(bytes, 0, bytes.length);
  }

  /** A value given as text, written as UTF-8. */
  cellText(text: string): void {
    const buf = this.room(4 + text.length * 3);
    const at = this.len + 4;
    let n = 0;
    // ASCII (every label and most replacements) is copied char by char; anything else goes through the encoder
    for (; n < text.length; n++) {
      const c = text.charCodeAt(n);
      if (c >= 0x80) break;
      buf[at + n] = c;
    }
    if (n < text.length) n = buf.write(text, at, 'utf8');
    buf.writeInt32BE(n, this.len);
    this.len = at + n;
  }

  endDataRow(): void {
    if (this.rowStart < 0) throw new Error('endDataRow() without beginDataRow()');
    this.buf!.writeInt32BE(this.len - this.rowStart - 1, this.rowStart + 1);
    this.rowStart = -1;
  }

  private int32(v: number): void {
    const buf = this.room(4);
    buf.writeInt32BE(v, this.len);
    this.len += 4;
  }

  /** Everything appended since the last call (null when nothing was); the next bytes go to a new buffer. */
  take(): Buffer | null {
    if (this.rowStart >= 0) throw new Error('take() in the middle of a DataRow');
    if (this.len === 0 || this.buf === null) return null;
    const out = this.buf.subarray(0, this.len);
    // the next batch is likely about as big: a quarter more saves growing (and copying) for small differences, and
    // small batches (one query's answer) get small buffers, from Node's shared pool
    this.hint = Math.min(MAX_HINT, Math.max(MIN_HINT, this.len + (this.len >> 2)));
    this.buf = null;
    this.len = 0;
    return out;
  }
}
