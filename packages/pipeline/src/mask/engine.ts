/** The state one masker shares between its column maskers, free text and JSON: enabled types, styles, counts. */
import type { ResolvedConfig } from './config';
import { ALL_TYPES, scan, TYPE_BIT } from './scan';
import { Styler } from './style';
import type { MaskCounts, PiiType } from './types';

export class MaskEngine {
  /** bitmask of enabled types */
  readonly types: number;
  readonly styler: Styler;
  total: MaskCounts = {};
  /** counts of the maskText/maskJson call in progress */
  call: MaskCounts | null = null;

  constructor(readonly config: ResolvedConfig) {
    let types = config.enabled ? ALL_TYPES : 0;
    for (const t of config.disabled) types &= ~(TYPE_BIT[t as PiiType] ?? 0);
    this.types = types;
    this.styler = new Styler((t) => config.styles[t] ?? config.defaultStyle, config.hashKey);
  }

  isOn(type: PiiType): boolean {
    return (this.types & TYPE_BIT[type]) !== 0;
  }

  count(type: PiiType): void {
    this.total[type] = (this.total[type] ?? 0) + 1;
    if (this.call !== null) this.call[type] = (this.call[type] ?? 0) + 1;
  }

  /** A value known to be of `type` (by its column or key name): replaced whole; blank values stay. */
  whole(type: PiiType, value: string): string | null {
    if (value.trim().length === 0) return value;
    this.count(type);
    return this.styler.whole(type, value);
  }

  /**
   * Text whose matches are replaced in place. When one match is the whole value (`alice@example.com` in a column no
   * name explains), the `null` style applies to the value; inside longer text a match is redacted instead.
   */
  value(text: string, ipv4 = true): string | null {
    const spans = scan(text, { types: this.types, ipv4 });
    if (spans === null) return text;
    if (spans.length === 1) {
      const s = spans[0]!;
      if (s.start === 0 && s.end === text.length) {
        this.count(s.type);
        return this.styler.whole(s.type, text);
      }
    }
    return this.replace(text, spans);
  }

  /** Text whose matches are replaced in place; never null. */
  text(text: string, ipv4 = true): string {
    const spans = scan(text, { types: this.types, ipv4 });
    return spans === null ? text : this.replace(text, spans);
  }

  private replace(text: string, spans: { start: number; end: number; type: PiiType }[]): string {
    let out = '';
    let pos = 0;
    for (const s of spans) {
      out += text.slice(pos, s.start) + this.styler.inText(s.type, text.slice(s.start, s.end));
      pos = s.end;
      this.count(s.type);
    }
    return out + text.slice(pos);
  }
}
