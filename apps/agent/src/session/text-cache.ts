/**
 * The latest values kept by text, bounded by count and by bytes (the oldest dropped first): what a session keeps of
 * its verdicts and masked texts cannot grow with the size of its statements. A value larger than the whole bound is not kept.
 */
export class TextCache<V> {
  private readonly map = new Map<string, { value: V; bytes: number }>();
  private total = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxBytes: number,
  ) {}

  get(key: string): V | undefined {
    return this.map.get(key)?.value;
  }

  /** Keeps `value` for `key`; `bytes`: what the two hold (textBytes of each text in them, and the rest). */
  set(key: string, value: V, bytes: number): void {
    this.delete(key);
    if (bytes > this.maxBytes) return;
    while (this.map.size > 0 && (this.map.size >= this.maxEntries || this.total + bytes > this.maxBytes)) this.delete(this.map.keys().next().value!);
    this.map.set(key, { value, bytes });
    this.total += bytes;
  }

  clear(): void {
    this.map.clear();
    this.total = 0;
  }

  get size(): number {
    return this.map.size;
  }

  /** the bytes counted for what is kept */
  get bytes(): number {
    return this.total;
  }

  private delete(key: string): void {
    const e = this.map.get(key);
    if (!e) return;
    this.map.delete(key);
    this.total -= e.bytes;
  }
}

/** What a string holds in memory, about: two bytes a character (V8 keeps some in one), and its header. */
export const textBytes = (s: string) => 2 * s.length + 32;
