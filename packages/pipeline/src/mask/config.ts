/** Masking configuration with its defaults applied, and the column allow-list. */
import type { MaskConfig } from './types';

export interface ResolvedConfig {
  enabled: boolean;
  styles: Partial<Record<string, MaskConfig['defaultStyle']>>;
  defaultStyle: NonNullable<MaskConfig['defaultStyle']>;
  allow: AllowList;
  disabled: Set<string>;
  hashKey: string | undefined;
}

export function resolveConfig(config: Partial<MaskConfig> = {}): ResolvedConfig {
  return {
    enabled: config.enabled ?? true,
    styles: { ...config.styles },
    defaultStyle: config.defaultStyle ?? 'redact',
    allow: allowList(config.allowColumns ?? []),
    disabled: new Set(config.disabledTypes ?? []),
    hashKey: config.hashKey,
  };
}

/** Exact entries, and entries with `*` (any characters) such as `*.email`, `audit_*.*`, `*_note`. */
export interface AllowList {
  exact: Set<string>;
  globs: RegExp[];
}

function allowList(entries: string[]): AllowList {
  const exact = new Set<string>();
  const globs: RegExp[] = [];
  for (const raw of entries) {
    const e = raw.trim().toLowerCase();
    if (!e.includes('*')) exact.add(e);
    else globs.push(new RegExp(`^${e.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`));
  }
  return { exact, globs };
}

/**
 * Whether a column is allow-listed: `column` matches it in any table; `table.column` and `schema.table.column` in
 * that table only (a `table.column` entry also matches a schema-qualified table name).
 */
export function isAllowed(allow: AllowList, name: string, table: string | undefined): boolean {
  if (allow.exact.size === 0 && allow.globs.length === 0) return false;
  const col = name.toLowerCase();
  const keys = [col];
  if (table !== undefined) {
    const t = table.toLowerCase();
    keys.push(`${t}.${col}`);
    const bare = t.slice(t.lastIndexOf('.') + 1);
    if (bare !== t) keys.push(`${bare}.${col}`);
  }
  return keys.some((k) => allow.exact.has(k) || allow.globs.some((g) => g.test(k)));
}
