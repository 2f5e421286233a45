/**
 * Terminal output on its way to the client: masked, and recorded as asciicast-style frames (`term.output` audit events
 * carrying the offset in seconds and the masked text). Text is masked a line at a time so a value is seen whole; a
 * partial line (a prompt, an echoed keystroke) is let through after a short pause.
 */
export class OutputPipe {
  private pending = '';
  private timer: NodeJS.Timeout | null = null;
  private frame = '';
  private frameAt = 0;
  private frameTimer: NodeJS.Timeout | null = null;
  private readonly decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
  bytes = 0;

  constructor(
    private readonly o: {
      started: number;
      mask: (text: string) => string;
      deliver: (text: string) => void;
      record: (event: { t: number; d: string }) => void;
      /** unmasked text, for the command-line tracker (never leaves the agent) */
      raw?: (text: string) => void;
      partialDelayMs?: number;
    },
  ) {}

  push(chunk: Buffer): void {
    this.bytes += chunk.length;
    const text = this.decoder.decode(chunk, { stream: true });
    if (!text) return;
    this.o.raw?.(text);
    this.pending += text;
    const nl = this.pending.lastIndexOf('\n');
    if (nl >= 0) {
      this.emit(this.pending.slice(0, nl + 1));
      this.pending = this.pending.slice(nl + 1);
    }
    if (this.pending.length > 8192) {
      this.emit(this.pending);
      this.pending = '';
    }
    if (this.pending && !this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        if (this.pending) {
          this.emit(this.pending);
          this.pending = '';
        }
      }, this.o.partialDelayMs ?? 15);
    }
  }

  /** Our own messages (refusals, waiting notices): shown and recorded as they are. */
  inject(text: string): void {
    this.flushPending();
    this.o.deliver(text);
    this.recordText(text);
  }

  flush(): void {
    const tail = this.decoder.decode();
    if (tail) this.pending += tail;
    this.flushPending();
    this.flushFrame();
  }

  private flushPending(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.pending) {
      this.emit(this.pending);
      this.pending = '';
    }
  }

  private emit(text: string): void {
    const masked = this.o.mask(text);
    this.o.deliver(masked);
    this.recordText(masked);
  }

  private recordText(text: string): void {
    if (!this.frame) this.frameAt = (Date.now() - this.o.started) / 1000;
    this.frame += text;
    if (this.frame.length >= 32 * 1024) this.flushFrame();
    else if (!this.frameTimer) this.frameTimer = setTimeout(() => this.flushFrame(), 100);
  }

  private flushFrame(): void {
    if (this.frameTimer) {
      clearTimeout(this.frameTimer);
      this.frameTimer = null;
    }
    if (!this.frame) return;
    this.o.record({ t: Math.round(this.frameAt * 1000) / 1000, d: this.frame });
    this.frame = '';
  }
}
