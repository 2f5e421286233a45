import { createHash } from 'node:crypto';
import type { MaskCounts, Masker } from '@hoop/pipeline';

/** Texts kept masked per conversation, and the most of their masked text kept (UTF-16 code units). */
const ENTRIES = 20_000;
const KEPT_CHARS = 8 * 1024 * 1024;

/** A run of adjacent texts masked: each on its own, or joined into one when a value ran across them. */
export type MaskedRun = ({ texts: string[] } | { merged: string }) & { counts: MaskCounts };

interface Entry {
  /** null: nothing changed */
  out: { texts: string[] } | { merged: string } | null;
  counts: MaskCounts;
  chars: number;
}

const size = (out: Entry['out']) => (out === null ? 0 : 'merged' in out ? out.merged.length : out.texts.reduce((n, t) => n + t.length, 0));

/**
 * What one conversation's texts mask to. Claude Code sends the whole conversation with every request, so all but the
 * newest turn was masked before: each run of texts is searched once, and later requests take its result (the same,
 * since masking is deterministic) by the run's sha256. Forgotten when the masker changes (a new policy), oldest first
 * past ENTRIES or KEPT_CHARS.
 */
export class MaskCache {
  private readonly entries = new Map<string, Entry>();
  private chars = 0;
  private masker: Masker | null = null;
  hits = 0;
  misses = 0;

  /**
   * `kind` `text`: free text; `tool`: a tool's output, which may be a JSON document (Masker.maskDocument). A run of
   * several is also searched joined, masked as they are: a value that only shows across a boundary makes the run one.
   */
  run(masker: Masker, kind: 'text' | 'tool', texts: string[]): MaskedRun {
    if (masker !== this.masker) {
      this.entries.clear();
      this.chars = 0;
      this.masker = masker;
    }
    const h = createHash('sha256').update(kind);
    for (const t of texts) h.update(`\u0000${t.length}\u0000`).update(t);
    const key = h.digest('base64');
    let e = this.entries.get(key);
    if (e) {
      this.hits++;
      this.entries.delete(key);
    } else {
      this.misses++;
      e = compute(masker, kind, texts);
      this.chars += e.chars;
      while (this.entries.size >= ENTRIES || (this.chars > KEPT_CHARS && this.entries.size > 0)) {
        const [oldest, gone] = this.entries.entries().next().value!;
        this.entries.delete(oldest);
        this.chars -= gone.chars;
      }
    }
    this.entries.set(key, e);
    return e.out === null ? { texts, counts: e.counts } : { ...e.out, counts: e.counts };
  }
}

function compute(masker: Masker, kind: 'text' | 'tool', texts: string[]): Entry {
  const counts: MaskCounts = {};
  const addCounts = (c: MaskCounts) => {
    for (const [t, n] of Object.entries(c) as [keyof MaskCounts, number][]) counts[t] = (counts[t] ?? 0) + n;
  };
  const masked = texts.map((t) => {
    const r = kind === 'tool' ? masker.maskDocument(t) : masker.maskText(t);
    addCounts(r.counts);
    return r.text;
  });
  let out: Entry['out'] = masked.every((t, i) => t === texts[i]) ? null : { texts: masked };
  if (texts.length > 1) {
    // masked text searched again finds nothing of its own: what it finds ran across a boundary
    const joined = masked.join('');
    const again = masker.maskText(joined);
    if (again.text !== joined) {
      addCounts(again.counts);
      out = { merged: again.text };
    }
  }
  return { out, counts, chars: size(out) };
}
