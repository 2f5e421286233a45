/** The state one masker shares between its column maskers, free text and JSON: enabled types, styles, counts. */
import type { ResolvedConfig } from './config';
import { ALL_TYPES, scan, TextFacts, TYPE_BIT } from './scan';
import { Styler } from './style';
import { type MaskCounts, PII_TYPES, type PiiType } from './types';

const TYPE_INDEX = Object.fromEntries(PII_TYPES.map((t, i) => [t, i])) as Record<PiiType, number>;

function toCounts(a: Float64Array): MaskCounts {
  const out: MaskCounts = {};
  for (let i = 0; i < a.length; i++) if (a[i]! > 0) out[PII_TYPES[i]!] = a[i]!;
  return out;
}

/** Whether a string is empty or only ASCII whitespace, without allocating. */
function isBlank(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 32) return false;
  return true;
}

export class MaskEngine {
  /** bitmask of enabled types */
  readonly types: number;
  readonly styler: Styler;
  private total = new Float64Array(PII_TYPES.length);
  /** counts of the maskText/maskJson call in progress */
  private call: Float64Array | null = null;
  /** gathered anew for each text scanned (scans are synchronous, one at a time) */
  private readonly facts = new TextFacts();

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
    const i = TYPE_INDEX[type];
    this.total[i]!++;
    if (this.call !== null) this.call[i]!++;
  }

  totals(): MaskCounts {
    return toCounts(this.total);
  }

  resetTotals(): MaskCounts {
    const out = toCounts(this.total);
    this.total.fill(0);
    return out;
  }

  /** Runs `fn` counting what it masks on its own, as well as in the totals. */
  counting<T>(fn: () => T): { result: T; counts: MaskCounts } {
    const call = new Float64Array(PII_TYPES.length);
    this.call = call;
    try {
      return { result: fn(), counts: toCounts(call) };
    } finally {
      this.call = null;
    }
  }

  /** A value known to be of `type` (by its column or key name): replaced whole; blank values stay. */
  whole(type: PiiType, value: string): string | null {
    if (isBlank(value)) return value;
    this.count(type);
    return this.styler.whole(type, value);
  }

  /**
   * Text whose matches are replaced in place. When one match is the whole value (`alice@example.com` in a column no
   * name explains), the `null` style applies to the value; inside longer text a match is redacted instead.
   * `known`: the facts of this text when already gathered (from its bytes).
   */
  value(text: string, ipv4 = true, known?: TextFacts): string | null {
    const spans = scan(text, { types: this.types, ipv4 }, known ?? this.facts.ofText(text));
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
  text(text: string, ipv4 = true, known?: TextFacts): string {
    const spans = scan(text, { types: this.types, ipv4 }, known ?? this.facts.ofText(text));
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
