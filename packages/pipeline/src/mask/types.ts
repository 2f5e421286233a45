/** The public shapes of PII masking: what is detected, how it is replaced, and the masker a session uses. */

export const PII_TYPES = ['email', 'card', 'ssn', 'iban', 'phone', 'ip', 'aws_key', 'jwt', 'private_key', 'token', 'name', 'address', 'dob', 'secret'] as const;

export type PiiType = (typeof PII_TYPES)[number];

export const MASK_STYLES = ['redact', 'partial', 'hash', 'null'] as const;

/**
 * - `redact`: `[EMAIL]`
 * - `partial`: keeps a harmless part (`a****@example.com`, `************4242`); types with no safe part are redacted
 * - `hash`: `[EMAIL:3f9a1c2b4d5e]`, an HMAC of the normalized value under `hashKey`, so joins and group-bys line up
 * - `null`: SQL NULL / JSON null for a whole value; a match inside longer text is redacted instead
 */
export type MaskStyle = (typeof MASK_STYLES)[number];

export interface MaskConfig {
  /** masking is on unless a policy turns it off */
  enabled: boolean;
  /** style per type; types not listed use `defaultStyle` */
  styles?: Partial<Record<PiiType, MaskStyle>>;
  /** `redact` unless set */
  defaultStyle?: MaskStyle;
  /** columns the owner declares safe: `table.column` or `column` (any table), case-insensitive */
  allowColumns?: string[];
  /** types never masked */
  disabledTypes?: PiiType[];
  /**
   * key of the `hash` style. Without one, a random key is drawn per masker: tokens then line up within a session
   * only.
   */
  hashKey?: string;
}

/** values masked, by type */
export type MaskCounts = Partial<Record<PiiType, number>>;

/** A detection in text: `[start, end)` in UTF-16 code units. */
export interface PiiSpan {
  start: number;
  end: number;
  type: PiiType;
}

export interface ColumnRef {
  name: string;
  /** the table the column comes from, when known (`customers` or `public.customers`) */
  table?: string;
  /** the Postgres type OID from RowDescription */
  typeOid?: number;
}

export interface ColumnMasker {
  /** true when no value of this column can ever change (allow-listed, or a non-text type without a PII name) */
  readonly passthrough: boolean;
  /** the PII type the column's name marks, when it does */
  readonly context: PiiType | null;
  /**
   * Masks one text-format value. Returns the same string when nothing changed, a replacement that is valid for the
   * column's type, or null for SQL NULL.
   */
  mask(value: string): string | null;
  /**
   * Masks one text-format value given as its UTF-8 bytes, `bytes[start, end)` (a DataRow cell as it arrived). Like
   * `mask`, but returns `undefined` when nothing changed, and decodes the value only when a detector could match
   * it or the style needs it: most cells cost one pass over their bytes.
   */
  maskUtf8(bytes: Buffer, start: number, end: number): string | null | undefined;
}

export interface Masker {
  columnMasker(column: ColumnRef): ColumnMasker;
  /** free text (terminal output, notices, error messages); `counts` are this call's, also added to the totals */
  maskText(text: string): { text: string; counts: MaskCounts };
  /**
   * text that may be a JSON document (a tool's output): when it parses, masked by key names and values (escapes such as
   * `\u0040` read as the characters they stand for) and serialized again if anything changed; otherwise free text
   */
  maskDocument(text: string): { text: string; counts: MaskCounts };
  /** a parsed JSON value, deep, by key names and values; never mutates its input */
  maskJson(value: unknown): { value: unknown; counts: MaskCounts };
  /** values masked since the last reset */
  counts(): MaskCounts;
  /** returns the totals and starts again from zero */
  resetCounts(): MaskCounts;
}
