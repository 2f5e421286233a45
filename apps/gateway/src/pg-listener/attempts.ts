/**
 * Failed authentications per source (an IPv4 address, an IPv6 /64), in this gateway's memory: after `max` failures
 * within `windowMs` a source is refused without its token being checked until the oldest failure leaves the window.
 * Each gateway counts on its own, so behind N gateways a source gets at most N × max tries per window.
 */
export class AuthAttempts {
  private readonly failures = new Map<string, number[]>();
  private readonly handshakes = new Map<string, number>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    /** connections of one source still in their handshake (TLS, startup, authentication) at once */
    private readonly maxHandshakes = 32,
  ) {}

  /** Whole seconds until `source` may try again; 0 when it may now. */
  blockedFor(source: string, now = Date.now()): number {
    const recent = this.recent(source, now);
    if (recent.length < this.max) return 0;
    return Math.max(1, Math.ceil((recent[recent.length - this.max]! + this.windowMs - now) / 1000));
  }

  failed(source: string, now = Date.now()): void {
    const recent = this.recent(source, now);
    recent.push(now);
    this.failures.set(source, recent);
    if (this.failures.size > 10_000) for (const key of this.failures.keys()) if (this.recent(key, now).length === 0) this.failures.delete(key);
  }

  /** A handshake begins: false when the source already has too many under way (the caller refuses it). */
  beginHandshake(source: string): boolean {
    const n = this.handshakes.get(source) ?? 0;
    if (n >= this.maxHandshakes) return false;
    this.handshakes.set(source, n + 1);
    return true;
  }

  endHandshake(source: string): void {
    const n = (this.handshakes.get(source) ?? 1) - 1;
    if (n <= 0) this.handshakes.delete(source);
    else this.handshakes.set(source, n);
  }

  private recent(source: string, now: number): number[] {
    const all = this.failures.get(source);
    if (!all) return [];
    const kept = all.filter((t) => now - t < this.windowMs);
    if (kept.length === 0) this.failures.delete(source);
    else if (kept.length !== all.length) this.failures.set(source, kept);
    return kept;
  }
}
