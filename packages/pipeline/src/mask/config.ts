/** Masking configuration: defaults, and validation of the `masking` section of a policy document. */
import { z } from 'zod';
import { MASK_STYLES, type MaskConfig, PII_TYPES } from './types';

const Style = z.enum(MASK_STYLES);
const Type = z.enum(PII_TYPES);

export const MaskConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    styles: z.partialRecord(Type, Style).optional(),
    defaultStyle: Style.optional(),
    allowColumns: z.array(z.string().min(1)).optional(),
    disabledTypes: z.array(Type).optional(),
    hashKey: z.string().min(16, 'hashKey must be at least 16 characters').optional(),
  })
  .strict();

export class MaskConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid masking settings:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'MaskConfigError';
  }
}

/** Validates masking settings (from a policy's `masking` section); throws MaskConfigError listing every problem. */
export function parseMaskConfig(input: unknown): MaskConfig {
  const r = MaskConfigSchema.safeParse(input ?? {});
  if (!r.success) throw new MaskConfigError(r.error.issues.map((i) => `masking.${i.path.join('.') || '(root)'}: ${i.message}`));
  return r.data;
}

export interface ResolvedConfig {
  enabled: boolean;
  styles: Partial<Record<string, MaskConfig['defaultStyle']>>;
  defaultStyle: NonNullable<MaskConfig['defaultStyle']>;
  /** lower-cased `table.column` and `column` entries */
  allow: Set<string>;
  disabled: Set<string>;
  hashKey: string | undefined;
}

export function resolveConfig(config: Partial<MaskConfig> = {}): ResolvedConfig {
  return {
    enabled: config.enabled ?? true,
    styles: { ...config.styles },
    defaultStyle: config.defaultStyle ?? 'redact',
    allow: new Set((config.allowColumns ?? []).map((c) => c.trim().toLowerCase())),
    disabled: new Set(config.disabledTypes ?? []),
    hashKey: config.hashKey,
  };
}

/** Whether a column is allow-listed: `column` matches any table, `table.column` or `schema.table.column` one table. */
export function isAllowed(allow: Set<string>, name: string, table: string | undefined): boolean {
  if (allow.size === 0) return false;
  const col = name.toLowerCase();
  if (allow.has(col)) return true;
  if (table === undefined) return false;
  const t = table.toLowerCase();
  const bare = t.slice(t.lastIndexOf('.') + 1);
  return allow.has(`${t}.${col}`) || allow.has(`${bare}.${col}`);
}
