/**
 * An exec's stdout or stderr without a terminal is a byte stream: the channel tap masks it as text, which only works
 * while it is text. TextOutput reads it a chunk at a time and hands on whole UTF-8 characters (a character split
 * across chunks waits for its end), or says the stream is binary — a NUL, or bytes that are not UTF-8 — so the tap
 * can withhold it (masking on) or pass it byte for byte (masking off) instead of decoding it into something else.
 */
export class TextOutput {
  /** the start of a character the next chunk ends */
  private carry = Buffer.alloc(0);
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  binary = false;

  /** the chunk's whole characters, or (once binary) every byte not handed on yet */
  push(chunk: Buffer): { text: Buffer } | { binary: Buffer } {
    const all = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    if (this.binary) return { binary: all };
    const cut = all.length - partialTail(all);
    const whole = all.subarray(0, cut);
    if (whole.includes(0) || !valid(this.decoder, whole)) {
      this.binary = true;
      this.carry = Buffer.alloc(0);
      return { binary: all };
    }
    this.carry = Buffer.from(all.subarray(cut));
    return { text: whole };
  }

  /** the stream is over: a character left unfinished makes it binary */
  end(): Buffer | null {
    const left = this.carry;
    this.carry = Buffer.alloc(0);
    if (left.length === 0) return null;
    this.binary = true;
    return left;
  }
}

function valid(decoder: TextDecoder, b: Buffer): boolean {
  try {
    decoder.decode(b);
    return true;
  } catch {
    return false;
  }
}

/** how many bytes at the end start a UTF-8 character that is not finished (0 to 3) */
function partialTail(b: Buffer): number {
  for (let back = 1; back <= Math.min(3, b.length); back++) {
    const byte = b[b.length - back]!;
    if ((byte & 0xc0) === 0x80) continue;
    const need = byte >= 0xf0 && byte <= 0xf4 ? 4 : byte >= 0xe0 && byte <= 0xef ? 3 : byte >= 0xc2 && byte <= 0xdf ? 2 : 1;
    return need > back ? back : 0;
  }
  return 0;
}
