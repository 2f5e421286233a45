import { createHmac } from 'node:crypto';
import { cannotHoldPii, columnType, isTextLikeType } from './columns';
import { countDigits, DETECTORS, type PiiType } from './detectors';

export type MaskStyle = 'redact' | 'partial' | 'hash' | 'null';
export type MaskCounts = Partial<Record<PiiType, number>>;

export interface MaskConfig {
  enabled: boolean;
  defaultStyle: MaskStyle;
  styles: Partial<Record<PiiType, MaskStyle>>;
  /** columns the owner declares safe: `column` or `table.column` (globs with *) */
  allowColumns: string[];
  disabledTypes: PiiType[];
  /** key for the hash style, so equal values give equal tokens (joins and group-bys still line up) */
  hashKey: string;
}

export interface ColumnMasker {
  /** nothing in this column is ever changed: the caller can skip it */
  readonly passthrough: boolean;
  /** masks one text value; null means SQL NULL */
  mask(value: string): string | null;
}

export interface Masker {
  columnMasker(column: { name: string; table?: string; typeOid?: number }): ColumnMasker;
  maskText(text: string): { text: string; counts: MaskCounts };
  maskJson(value: unknown): { value: unknown; counts: MaskCounts };
  counts(): MaskCounts;
  resetCounts(): MaskCounts;
}

const LABEL: Record<PiiType, string> = {
  email: 'EMAIL', card: 'CARD', ssn: 'SSN', iban: 'IBAN', phone: 'PHONE', ip: 'IP', aws_key: 'AWS_KEY', jwt: 'JWT',
  private_key: 'PRIVATE_KEY', token: 'TOKEN', name: 'NAME', address: 'ADDRESS', dob: 'DOB', secret: 'SECRET',
};

const PASSTHROUGH: ColumnMasker = { passthrough: true, mask: (v) => v };

export function createMasker(partial: Partial<MaskConfig> = {}): Masker {
  const config: MaskConfig = { enabled: true, defaultStyle: 'redact', styles: {}, allowColumns: [], disabledTypes: [], hashKey: 'hoop', ...partial };
  const disabled = new Set(config.disabledTypes);
  const detectors = DETECTORS.filter((d) => !disabled.has(d.type));
  const allow = config.allowColumns.map((p) => new RegExp(`^${p.toLowerCase().replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`));
  let counts: MaskCounts = {};
  const count = (t: PiiType, n = 1) => void (counts[t] = (counts[t] ?? 0) + n);

  const replacement = (type: PiiType, value: string): string | null => {
    const style = config.styles[type] ?? config.defaultStyle;
    if (style === 'null') return null;
    if (style === 'hash') return `[${LABEL[type]}:${createHmac('sha256', config.hashKey).update(`${type}:${value}`).digest('hex').slice(0, 10)}]`;
    if (style === 'partial') return partialMask(type, value);
    return `[${LABEL[type]}]`;
  };

  const maskText = (text: string): { text: string; counts: MaskCounts } => {
    const found: MaskCounts = {};
    if (!config.enabled || text.length < 6) return { text, counts: found };
    const digits = countDigits(text);
    let out = text;
    for (const d of detectors) {
      if (!d.maybe(out, digits)) continue;
      d.pattern.lastIndex = 0;
      out = out.replace(d.pattern, (m) => {
        if (!d.valid(m)) return m;
        found[d.type] = (found[d.type] ?? 0) + 1;
        count(d.type);
        return replacement(d.type, m) ?? `[${LABEL[d.type]}]`;
      });
    }
    return { text: out, counts: found };
  };

  const maskJson = (value: unknown, key?: string): unknown => {
    if (typeof value === 'string') {
      const t = key ? columnType(key) : null;
      if (t && !disabled.has(t) && value !== '') {
        count(t);
        return replacement(t, value);
      }
      return maskText(value).text;
    }
    if (Array.isArray(value)) return value.map((v) => maskJson(v, key));
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, maskJson(v, k)]));
    if (typeof value === 'number' && key) {
      const t = columnType(key);
      if (t && !disabled.has(t)) {
        count(t);
        return null;
      }
    }
    return value;
  };

  return {
    columnMasker({ name, table, typeOid }) {
      if (!config.enabled) return PASSTHROUGH;
      const qualified = `${table ?? ''}.${name}`.toLowerCase();
      if (allow.some((re) => re.test(name.toLowerCase()) || re.test(qualified))) return PASSTHROUGH;
      const byName = columnType(name);
      const named = byName && !disabled.has(byName) ? byName : null;
      const text = isTextLikeType(typeOid);
      if (!named && cannotHoldPii(typeOid)) return PASSTHROUGH;
      if (!text) {
        // a value that is not text cannot take "[EMAIL]": any PII found there becomes NULL, which every type allows
        return {
          passthrough: false,
          mask(value) {
            if (named) {
              count(named);
              return null;
            }
            const r = maskText(value);
            return Object.keys(r.counts).length > 0 ? null : value;
          },
        };
      }
      if (named) {
        return {
          passthrough: false,
          mask(value) {
            if (value === '') return value;
            count(named);
            return replacement(named, value);
          },
        };
      }
      return { passthrough: false, mask: (value) => maskText(value).text };
    },
    maskText,
    maskJson: (value) => {
      const before = counts;
      counts = {};
      const masked = maskJson(value);
      const found = counts;
      counts = before;
      for (const [t, n] of Object.entries(found)) count(t as PiiType, n);
      return { value: masked, counts: found };
    },
    counts: () => ({ ...counts }),
    resetCounts: () => {
      const c = counts;
      counts = {};
      return c;
    },
  };
}

/** Keeps what is harmless to show: an e-mail's first letter and domain, a card's or phone's last four digits. */
function partialMask(type: PiiType, value: string): string {
  switch (type) {
    case 'email': {
      const at = value.lastIndexOf('@');
      return at > 0 ? `${value[0]}****${value.slice(at)}` : '[EMAIL]';
    }
    case 'card':
    case 'phone':
    case 'iban':
    case 'ssn': {
      const d = value.replace(/[^0-9A-Za-z]/g, '');
      return `${'*'.repeat(Math.max(4, d.length - 4))}${d.slice(-4)}`;
    }
    case 'ip':
      return value.includes('.') ? value.replace(/\.\d{1,3}$/, '.xxx') : '[IP]';
    case 'name':
      return `${value[0] ?? ''}****`;
    default:
      return `[${LABEL[type]}]`;
  }
}
