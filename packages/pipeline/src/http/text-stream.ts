/**
 * Text masked as it streams: whole lines are masked and passed on at each line end, so PII within a line is seen
 * whole; a line longer than `maxLine` bytes is masked in pieces of that size (cut at a character boundary), so nothing
 * waits for a line that never ends. An event stream's lines are events' fields: `lineMask` may mask each line its own
 * way (server-sent events: `data:` payloads as JSON documents).
 */
export class TextStreamMasker {
  private held: Buffer[] = [];
  private heldBytes = 0;
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });

  constructor(
    private readonly maskLine: (text: string) => string,
    private readonly maxLine = 64 * 1024,
  ) {}

  push(chunk: Buffer): Buffer {
    const out: string[] = [];
    let from = 0;
    let nl = chunk.indexOf(0x0a);
    while (nl >= 0) {
      const line = this.take(chunk.subarray(from, nl + 1));
      out.push(this.maskLine(line));
      from = nl + 1;
      nl = chunk.indexOf(0x0a, from);
    }
    let rest = chunk.subarray(from);
    while (this.heldBytes + rest.length > this.maxLine) {
      let cut = this.maxLine - this.heldBytes;
      // not inside a multi-byte character: back up over continuation bytes
      while (cut > 0 && (rest[cut]! & 0xc0) === 0x80) cut--;
      out.push(this.maskLine(this.take(rest.subarray(0, cut))));
      rest = rest.subarray(cut);
      if (cut === 0) break;
    }
    if (rest.length) {
      this.held.push(Buffer.from(rest));
      this.heldBytes += rest.length;
    }
    return Buffer.from(out.join(''), 'utf8');
  }

  end(): Buffer {
    if (this.heldBytes === 0) return Buffer.alloc(0);
    return Buffer.from(this.maskLine(this.take(Buffer.alloc(0))), 'utf8');
  }

  private take(tail: Buffer): string {
    const all = this.held.length ? Buffer.concat([...this.held, tail]) : tail;
    this.held = [];
    this.heldBytes = 0;
    return this.decoder.decode(all);
  }
}

/**
 * One line of a server-sent event stream masked: a `data:` field's value as a JSON document when it is one (keys as
 * column names, see JsonStreamMasker), else as text; other fields and comments as text. The line end is kept.
 */
export function sseLineMasker(maskDocument: (text: string) => string, maskText: (text: string) => string): (line: string) => string {
  return (line) => {
    const m = /^data:( ?)(.*?)(\r?\n?)$/s.exec(line);
    if (!m) return maskText(line);
    return `data:${m[1]}${maskDocument(m[2]!)}${m[3]}`;
  };
}
