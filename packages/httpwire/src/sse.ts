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
