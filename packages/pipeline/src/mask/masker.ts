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
import type { ColumnMasker, ColumnRef, MaskConfig, MaskCounts, Masker, PiiType } from './types';

const PASSTHROUGH: ColumnMasker = Object.freeze({ passthrough: true, context: null, mask: (v: string) => v });

const masking = (context: PiiType | null, mask: (v: string) => string | null): ColumnMasker => ({ passthrough: false, context, mask });

export function createMasker(config: Partial<MaskConfig> = {}): Masker {
  const resolved = resolveConfig(config);
  const engine = new MaskEngine(resolved);
  const off = engine.types === 0;

  function columnMasker(column: ColumnRef): ColumnMasker {
    if (off || isAllowed(resolved.allow, column.name, column.table)) return PASSTHROUGH;
    const kind = typeKind(column.typeOid);
    if (kind === 'never') return PASSTHROUGH;
    let ctx = classifyColumn(column.name, column.table);
    if (ctx !== null && !engine.isOn(ctx)) ctx = null;
    const ipv4 = !isVersionColumn(column.name);
    switch (kind) {
      case 'inet':
        return engine.isOn('ip') ? masking('ip', () => (engine.count('ip'), null)) : PASSTHROUGH;
      case 'scalar': {
        if (ctx === null) return PASSTHROUGH;
        const type = ctx;
        return masking(type, () => (engine.count(type), null));
      }
      case 'text_array': {
        if (ctx === null) return masking(null, (v) => engine.text(v, ipv4));
        const type = ctx;
        return masking(type, () => (engine.count(type), null));
      }
      case 'json': {
        if (ctx === null) return masking(null, (v) => maskJsonText(engine, v));
        const type = ctx;
        return masking(type, (v) => {
          const r = engine.whole(type, v);
          return r === null || r === v ? r : JSON.stringify(r);
        });
      }
      default: {
        if (ctx === null) return masking(null, (v) => engine.value(v, ipv4));
        const type = ctx;
        return masking(type, (v) => engine.whole(type, v));
      }
    }
  }

  return {
    columnMasker,
    maskText(text) {
      if (off) return { text, counts: {} };
      const { result, counts } = engine.counting(() => engine.text(text));
      return { text: result, counts };
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
