/**
 * Server-sent events (text/event-stream, as the WHATWG HTML standard reads them): a push parser that takes the bytes
 * as they arrive and hands out each event once its blank line is seen. It only reads: the bytes themselves are relayed
 * by the caller unchanged. Lines end with LF, CRLF or CR; `data:` lines of one event are joined with LF; comments
 * (`:`) are skipped; a line over `maxLine` characters is an error, not a reason to hold more.
 */

export interface SseEvent {
  /** the `event:` field; "message" when the event has none */
  event: string;
  data: string;
  id?: string;
}

export class SseParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SseParseError';
  }
}

export class SseParser {
  private readonly decoder = new TextDecoder('utf-8');
  private line = '';
  private lastWasCr = false;
  private event = '';
  private data: string[] = [];
  private id: string | undefined;

  constructor(private readonly maxLine = 4 * 1024 * 1024) {}

  push(chunk: Uint8Array, onEvent: (e: SseEvent) => void): void {
    this.text(this.decoder.decode(chunk, { stream: true }), onEvent);
  }

  /** the stream ended: an event without its blank line is dropped, as the standard says */
  end(): void {
    this.line = '';
    this.reset();
  }

  private text(s: string, onEvent: (e: SseEvent) => void): void {
    let start = 0;
    // the LF of a CRLF whose CR ended the previous piece
    if (this.lastWasCr && s.charCodeAt(0) === 10) start = 1;
    if (s.length > 0) this.lastWasCr = false;
    for (let i = start; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      this.line += s.slice(start, i);
      this.takeLine(onEvent);
      if (c === 13 && i === s.length - 1) this.lastWasCr = true;
      if (c === 13 && s.charCodeAt(i + 1) === 10) i++;
      start = i + 1;
    }
    if (start < s.length) {
      this.line += s.slice(start);
      if (this.line.length > this.maxLine) throw new SseParseError(`an event-stream line is over ${this.maxLine} characters`);
    }
  }

  private takeLine(onEvent: (e: SseEvent) => void): void {
    const line = this.line;
    this.line = '';
    if (line === '') {
      if (this.data.length > 0) onEvent({ event: this.event || 'message', data: this.data.join('\n'), ...(this.id !== undefined ? { id: this.id } : {}) });
      this.reset();
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
    else if (field === 'id' && !value.includes('\0')) this.id = value;
  }

  private reset(): void {
    this.event = '';
    this.data = [];
  }
}

/**
 * An event stream cut into its events' own bytes, for a relay that passes most events on byte for byte and changes or
 * holds a few: each piece ends where an event ends (its blank line), and comes with the event it dispatches (null for
 * a piece of comments or fields without data). The pieces, joined, are the bytes pushed; what is after the last blank
 * line is kept until more comes. A piece over `maxEvent` bytes is an error, not a reason to hold more.
 */
export class SseCutter {
  private readonly parser: SseParser;
  private held: Buffer[] = [];
  private heldBytes = 0;
  /** the length of the line being read (0: at a line's start) and whether the last byte was a CR */
  private lineLength = 0;
  private lastWasCr = false;

  constructor(private readonly maxEvent = 4 * 1024 * 1024) {
    this.parser = new SseParser(maxEvent);
  }

  /** bytes held of an event not yet complete */
  get pending(): number {
    return this.heldBytes;
  }

  /** the stream ended: what was held after its last event (the LF of a last CRLF, or an event cut off) */
  rest(): Buffer {
    const rest = Buffer.concat(this.held);
    this.held = [];
    this.heldBytes = 0;
    return rest;
  }

  push(chunk: Buffer, onPiece: (raw: Buffer, event: SseEvent | null) => void): void {
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (c === 10 && this.lastWasCr) {
        // the LF of a CRLF: its line ended at the CR
        this.lastWasCr = false;
        continue;
      }
      if (c !== 10 && c !== 13) {
        this.lineLength++;
        this.lastWasCr = false;
        continue;
      }
      this.lastWasCr = c === 13;
      if (this.lineLength > 0) {
        this.lineLength = 0;
        continue;
      }
      // an empty line: the event ends here, with the LF of its CRLF when that came in the same chunk (else it starts
      // the next piece, and is read as part of this line)
      if (c === 13 && chunk[i + 1] === 10) {
        i++;
        this.lastWasCr = false;
      }
      this.piece(chunk.subarray(start, i + 1), onPiece);
      start = i + 1;
    }
    if (start < chunk.length) {
      this.held.push(chunk.subarray(start));
      this.heldBytes += chunk.length - start;
      if (this.heldBytes > this.maxEvent) throw new SseParseError(`an event of the stream is over ${this.maxEvent} bytes`);
    }
  }

  private piece(tail: Buffer, onPiece: (raw: Buffer, event: SseEvent | null) => void): void {
    const raw = this.held.length ? Buffer.concat([...this.held, tail]) : tail;
    this.held = [];
    this.heldBytes = 0;
    if (raw.length > this.maxEvent) throw new SseParseError(`an event of the stream is over ${this.maxEvent} bytes`);
    let event: SseEvent | null = null;
    this.parser.push(raw, (e) => {
      event = e;
    });
    onPiece(raw, event);
  }
}
