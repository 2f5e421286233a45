/**
 * Masking cost: detector throughput on cell text and free text (MB/s), and the cost per 1,000 rows of a typical
 * customer table (id, name, email, phone, card_number, created_at, notes) masked cell by cell as the agent does: each
 * value as its UTF-8 bytes in the row (`maskUtf8`), decoded only when a detector could match it. The same cells as
 * decoded strings (`mask`) are shown beside.
 * `npx tsx bench/mask.ts` (part of `npm run bench:mask`)
 */
import examples from 'libphonenumber-js/examples.mobile.json';
import { getCountries, getExampleNumber } from 'libphonenumber-js/min';
import { demoCustomers } from '@hoop/devstack/demo-data';
import { createMasker, type MaskConfig, PII_TYPES, type PiiType } from '@hoop/pipeline';

const rows = demoCustomers(20_000, 3);
const now = () => process.hrtime.bigint();
const ms = (t: bigint) => Number(now() - t) / 1e6;
const bytes = (xs: string[]) => xs.reduce((n, x) => n + Buffer.byteLength(x), 0);

/** Best of `reps` timed runs after two warm-up runs, in ms. */
function best(reps: number, fn: () => void): number {
  fn();
  fn();
  let min = Infinity;
  for (let i = 0; i < reps; i++) {
    const t = now();
    fn();
    min = Math.min(min, ms(t));
  }
  return min;
}

const CLEAN_NOTES = [
  'Customer asked about upgrading to the team plan.',
  'Prefers contact in the afternoon',
  'VIP since 2019; renewal due 2026-09-01',
  'Refunded order #48213 on 2024-03-02',
  'see ticket OPS-1234',
  'churn risk: low',
  'Migrated from legacy billing v2.3.1',
  'Invoice 2026-0042 paid, 1,240.00 EUR',
  'onboarding call done',
  '',
];

// ---- detector throughput over cell text
const pii = rows.flatMap((r) => [r.email, r.card_number, r.phone, r.ssn, r.iban, r.ip_address, r.notes]);
const clean = rows.flatMap((r, i) => [CLEAN_NOTES[i % CLEAN_NOTES.length]!, r.plan, `${r.balance_cents}`, '2026-11-24 12:00:00+00', `order #${i * 7919}`]);
const mixed = [...pii, ...clean];
const cellRate = (config: Partial<MaskConfig>, cells: string[]) => {
  const cm = createMasker(config).columnMasker({ name: 'notes', typeOid: 25 });
  const t = best(5, () => {
    for (const c of cells) cm.mask(c);
  });
  return bytes(cells) / 1e3 / t;
};
/** The cells one after another in one buffer, as values sit in DataRows, and where each starts. */
function packed(cells: string[]): { buf: Buffer; at: Int32Array } {
  const parts = cells.map((c) => Buffer.from(c, 'utf8'));
  const at = new Int32Array(parts.length + 1);
  for (let i = 0; i < parts.length; i++) at[i + 1] = at[i]! + parts[i]!.length;
  return { buf: Buffer.concat(parts), at };
}
const byteRate = (config: Partial<MaskConfig>, cells: string[]) => {
  const cm = createMasker(config).columnMasker({ name: 'notes', typeOid: 25 });
  const { buf, at } = packed(cells);
  const t = best(5, () => {
    for (let i = 0; i < cells.length; i++) cm.maskUtf8(buf, at[i]!, at[i + 1]!);
  });
  return buf.length / 1e3 / t;
};

const out: string[] = ['mask bench'];
out.push('  detector throughput, cells of a text column no name explains (MB/s):');
out.push(
  `    all detectors, cells as bytes: clean cells ${byteRate({}, clean).toFixed(0)}, ` +
    `cells with PII ${byteRate({}, pii).toFixed(0)}, mixed ${byteRate({}, mixed).toFixed(0)}`,
);
out.push(
  `    all detectors, cells as strings: clean cells ${cellRate({}, clean).toFixed(0)}, ` +
    `cells with PII ${cellRate({}, pii).toFixed(0)}, mixed ${cellRate({}, mixed).toFixed(0)}`,
);
const only = (t: PiiType): Partial<MaskConfig> => ({ disabledTypes: PII_TYPES.filter((x) => x !== t) });
const per = (['email', 'card', 'ssn', 'iban', 'phone', 'ip', 'token', 'secret'] as const).map((t) => `${t} ${cellRate(only(t), mixed).toFixed(0)}`);
out.push(`    one detector on the mixed cells: ${per.join(', ')}`);

// ---- free text (terminal output, logs): a mix of clean lines and lines with PII
const lines: string[] = [];
for (let i = 0; i < 20_000; i++) {
  const r = rows[i % rows.length]!;
  lines.push(
    i % 4 === 0
      ? `user ${r.email} paid with ${r.card_number} from ${r.ip_address}`
      : `GET /api/orders/${i} 200 ${i % 997}ms build 4.2.${i % 10} trace=${(i * 2654435761).toString(16)}`,
  );
}
const text = lines.join('\n');
const textMasker = createMasker();
const textMs = best(5, () => textMasker.maskText(text));
out.push(
  `  free text: ${(Buffer.byteLength(text) / 1e3 / textMs).toFixed(0)} MB/s (${(Buffer.byteLength(text) / 1e6).toFixed(1)} MB of log lines, 1 in 4 with PII)`,
);

// ---- a customer table, cell by cell, text format
const COLUMNS = [
  { name: 'id', typeOid: 23 },
  { name: 'name', typeOid: 25 },
  { name: 'email', typeOid: 25 },
  { name: 'phone', typeOid: 25 },
  { name: 'card_number', typeOid: 25 },
  { name: 'created_at', typeOid: 1184 },
  { name: 'notes', typeOid: 25 },
];
/** Example mobile numbers of every country, trailing digits varied per row: phone numbers in notes are not all alike. */
const EXAMPLES = getCountries().flatMap((c) => getExampleNumber(c, examples)?.formatInternational() ?? []);
const phoneFor = (i: number) => EXAMPLES[i % EXAMPLES.length]!.replace(/\d{4}$/, String(i % 10_000).padStart(4, '0'));
const piiNote = (i: number) => {
  const r = rows[i % rows.length]!;
  return [
    `refund ${r.card_number} requested by ${r.email}`,
    `called from ${phoneFor(i)} about order #${i * 7919}`,
    `SSN on file ${r.ssn}`,
    `wire to ${r.iban} done`,
  ][i % 4]!;
};
const table = (from: number, to: number, notes: (i: number) => string) => {
  const cells: string[][] = [];
  for (let i = from; i < to; i++) {
    const r = rows[i % rows.length]!;
    cells.push([String(i + 1), r.full_name, r.email, r.phone, r.card_number, '2026-11-24 12:00:00+00', notes(i)]);
  }
  return cells;
};
/** As the agent did before reading values in place: every value of a column that may change decoded, then masked. */
function maskAll(rows: { buf: Buffer; at: Int32Array }[]): number {
  const masker = createMasker();
  const columns = COLUMNS.map((c) => masker.columnMasker(c));
  const t = now();
  for (const { buf, at } of rows)
    for (let c = 0; c < columns.length; c++) if (!columns[c]!.passthrough) columns[c]!.mask(buf.toString('utf8', at[c]!, at[c + 1]!));
  return ms(t) / (rows.length / 1000);
}
/** Each row's values as bytes in one buffer, as they arrive in a DataRow, with where each value starts. */
const asBytes = (cells: string[][]) => cells.map(packed);
function maskAllBytes(rows: { buf: Buffer; at: Int32Array }[]): number {
  const masker = createMasker();
  const columns = COLUMNS.map((c) => masker.columnMasker(c));
  const t = now();
  for (const { buf, at } of rows) for (let c = 0; c < columns.length; c++) if (!columns[c]!.passthrough) columns[c]!.maskUtf8(buf, at[c]!, at[c + 1]!);
  return ms(t) / (rows.length / 1000);
}
type PerThousand = { first: number; repeat: number };
/** Warm the JIT on other rows, then one pass over 50,000 distinct rows; then the best of five repeated passes. */
function perThousandRows(notes: (i: number) => string): { bytes: PerThousand; strings: PerThousand } {
  const measure = <T>(warmup: T, rows: T, pass: (rows: T) => number): PerThousand => {
    pass(warmup);
    pass(warmup);
    const first = pass(rows);
    let repeat = Infinity;
    for (let i = 0; i < 5; i++) repeat = Math.min(repeat, pass(rows));
    return { first, repeat };
  };
  const warmup = table(0, 10_000, notes);
  const cells = table(10_000, 60_000, notes);
  return { bytes: measure(asBytes(warmup), asBytes(cells), maskAllBytes), strings: measure(asBytes(warmup), asBytes(cells), maskAll) };
}
const typical = perThousandRows((i) => (i % 5 === 0 ? piiNote(i / 5) : CLEAN_NOTES[i % CLEAN_NOTES.length]!));
const dense = perThousandRows(piiNote);
const fmt = (x: { bytes: PerThousand; strings: PerThousand }) =>
  `${x.bytes.first.toFixed(3)} ms per 1,000 rows (first pass over 50,000 distinct rows; repeated: ${x.bytes.repeat.toFixed(3)} ms; ` +
  `decoding every value first: ${x.strings.first.toFixed(3)} / ${x.strings.repeat.toFixed(3)} ms)`;
out.push('  customer table (id, name, email, phone, card_number, created_at, notes), text format, one masker per pass, values as bytes:');
out.push(`    typical notes (1 in 5 mentions a card and e-mail, phone, SSN or IBAN): ${fmt(typical)}`);
out.push(`    every note with PII:                                                   ${fmt(dense)}`);
process.stdout.write(`${out.join('\n')}\n`);
