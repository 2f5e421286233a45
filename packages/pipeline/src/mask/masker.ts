/**
 * `createMasker(config)`: the masker of one session. A result's columns each get a `ColumnMasker`, decided once per
 * RowDescription from the column's name, table and type, so the per-cell work is only what that column can need:
 *
 * | type             | name marks PII (`email`, `dob`, …)   | otherwise                        |
 * |------------------|--------------------------------------|----------------------------------|
 * | text-like        | the whole value replaced (`[EMAIL]`) | matches replaced inside the text |
 * | json/jsonb       | a JSON string of the replacement     | masked by key names and values   |
 * | text[] etc.      | NULL                                 | matches replaced inside the text |
 * | number/date/time | NULL (`[DOB]` would not decode)      | passthrough                      |
 * | inet/cidr        | NULL while `ip` is masked            | NULL while `ip` is masked        |
 * | bool/uuid/bytea  | passthrough                          | passthrough                      |
 *
 * Allow-listed columns, and every column when masking is disabled, pass through.
 */
import { classifyColumn, isVersionColumn } from './columns';
import { isAllowed, resolveConfig } from './config';
import { MaskEngine } from './engine';
import { maskJsonText, maskJsonValue } from './json';
import { typeKind } from './pg-types';
import { mayHoldPii, TextFacts } from './scan';
import type { ColumnMasker, ColumnRef, MaskConfig, Masker, PiiType } from './types';

const unchanged = (): undefined => undefined;
const PASSTHROUGH: ColumnMasker = Object.freeze({ passthrough: true, context: null, mask: (v: string) => v, maskUtf8: unchanged });

type Utf8Mask = ColumnMasker['maskUtf8'];

/** Whether `bytes[start, end)` is empty or only ASCII whitespace (bytes of multi-byte characters are above 32). */
function isBlankUtf8(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (bytes[i]! > 32) return false;
  return true;
}

/** The byte form of `mask`: decode, mask, report `undefined` when the text came back the same. */
const viaText =
  (mask: (v: string) => string | null): Utf8Mask =>
  (bytes, start, end) => {
    const text = bytes.toString('utf8', start, end);
    const masked = mask(text);
    return masked === text ? undefined : masked;
  };

const masking = (context: PiiType | null, mask: (v: string) => string | null, maskUtf8: Utf8Mask = viaText(mask)): ColumnMasker => ({
  passthrough: false,
  context,
  mask,
  maskUtf8,
});

export function createMasker(config: Partial<MaskConfig> = {}): Masker {
  const resolved = resolveConfig(config);
  const engine = new MaskEngine(resolved);
  const off = engine.types === 0;

  /** Every value becomes NULL (a non-text column whose name or type marks PII). */
  const toNull = (type: PiiType) => {
    const mask = () => (engine.count(type), null);
    return masking(type, mask, mask);
  };

  /**
   * Free text searched for PII: a cell its bytes' facts rule out is never decoded; one they do not is decoded and
   * scanned with those same facts (no second pass).
   */
  const searched = (mask: (v: string, known?: TextFacts) => string | null, ipv4: boolean) => {
    const options = { types: engine.types, ipv4 };
    const facts = new TextFacts();
    return masking(null, mask, (bytes, start, end) => {
      if (!mayHoldPii(bytes, start, end, options, facts)) return undefined;
      const text = bytes.toString('utf8', start, end);
      const masked = mask(text, facts);
      return masked === text ? undefined : masked;
    });
  };

  /** A value of a PII-named column, replaced whole: a replacement that does not depend on the value skips decoding. */
  const replacedWhole = (type: PiiType) => {
    const mask = (v: string) => engine.whole(type, v);
    const decoded = viaText(mask);
    const style = engine.styler.style(type);
    if (style !== 'redact' && style !== 'null')
      return masking(type, mask, (bytes, start, end) => (isBlankUtf8(bytes, start, end) ? undefined : decoded(bytes, start, end)));
    const replacement = engine.styler.whole(type, '');
    return masking(type, mask, (bytes, start, end) => {
      if (isBlankUtf8(bytes, start, end)) return undefined;
      engine.count(type);
      return replacement;
    });
  };

  function columnMasker(column: ColumnRef): ColumnMasker {
    if (off || isAllowed(resolved.allow, column.name, column.table)) return PASSTHROUGH;
    const kind = typeKind(column.typeOid);
    if (kind === 'never') return PASSTHROUGH;
    let ctx = classifyColumn(column.name, column.table);
    if (ctx !== null && !engine.isOn(ctx)) ctx = null;
    const ipv4 = !isVersionColumn(column.name);
    switch (kind) {
      case 'inet':
        return engine.isOn('ip') ? toNull('ip') : PASSTHROUGH;
      case 'scalar':
        return ctx === null ? PASSTHROUGH : toNull(ctx);
      case 'text_array':
        return ctx === null ? searched((v, known) => engine.text(v, ipv4, known), ipv4) : toNull(ctx);
      case 'json': {
        // key names matter in JSON (`{"email": …}`), so every value is decoded
        if (ctx === null) return masking(null, (v) => maskJsonText(engine, v));
        const type = ctx;
        return masking(type, (v) => {
          const r = engine.whole(type, v);
          return r === null || r === v ? r : JSON.stringify(r);
        });
      }
      default:
        return ctx === null ? searched((v, known) => engine.value(v, ipv4, known), ipv4) : replacedWhole(ctx);
    }
  }

  return {
    columnMasker,
    maskText(text) {
      if (off) return { text, counts: {} };
      const { result, counts } = engine.counting(() => engine.text(text));
      return { text: result, counts };
    },
    maskDocument(text) {
      if (off) return { text, counts: {} };
      // only an object or an array is read as JSON: a bare number (`4155550100`) is searched as text
      const json = /^\s*[[{]/.test(text);
      const { result, counts } = engine.counting(() => (json ? maskJsonText(engine, text, (t) => engine.text(t)) : engine.text(text)));
      return { text: result ?? text, counts };
    },
    maskJson(value) {
      if (off) return { value, counts: {} };
      const { result, counts } = engine.counting(() => maskJsonValue(engine, value));
      return { value: result, counts };
    },
    counts: () => engine.totals(),
    resetCounts: () => engine.resetTotals(),
  };
}
