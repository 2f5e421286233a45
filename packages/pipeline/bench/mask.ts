/**
 * Masking cost: detector throughput on free text (MB/s) and the cost per 1,000 rows of a typical customer table
 * (id, name, email, phone, card, created_at, notes). `npm run bench:mask`
 */
import { demoCustomers } from '../../db/src/demo-data';
import { createMasker } from '../src/index';

const masker = createMasker({ hashKey: 'bench' });
const rows = demoCustomers(10_000, 3);

// free text: a mix of clean log lines and lines with PII
const lines: string[] = [];
for (let i = 0; i < 20_000; i++) {
  const r = rows[i % rows.length]!;
  lines.push(i % 4 === 0 ? `user ${r.email} paid with ${r.card_number} from ${r.ip_address}` : `GET /api/orders/${i} 200 ${i % 997}ms build 4.2.${i % 10} trace=${(i * 2654435761).toString(16)}`);
}
const text = lines.join('\n');
for (let i = 0; i < 3; i++) masker.maskText(text);
let t = process.hrtime.bigint();
const reps = 10;
for (let i = 0; i < reps; i++) masker.maskText(text);
let secs = Number(process.hrtime.bigint() - t) / 1e9;
const mbps = (Buffer.byteLength(text) * reps) / 1e6 / secs;

// a customer table, cell by cell, the way the agent masks DataRows (text format)
const columns = [
  { name: 'id', typeOid: 23 }, { name: 'full_name', typeOid: 25 }, { name: 'email', typeOid: 25 }, { name: 'phone', typeOid: 25 },
  { name: 'card_number', typeOid: 25 }, { name: 'created_at', typeOid: 1184 }, { name: 'notes', typeOid: 25 },
].map((c) => masker.columnMasker(c));
const cells = rows.map((r, i) => [String(i + 1), r.full_name, r.email, r.phone, r.card_number, '2026-11-24 12:00:00+00', r.notes]);
const maskAll = () => {
  for (const row of cells) for (let c = 0; c < columns.length; c++) if (!columns[c]!.passthrough) columns[c]!.mask(row[c]!);
};
t = process.hrtime.bigint();
maskAll();
const firstPass = (Number(process.hrtime.bigint() - t) / 1e6) / (rows.length / 1000);
for (let i = 0; i < 2; i++) maskAll();
t = process.hrtime.bigint();
for (let i = 0; i < reps; i++) maskAll();
secs = Number(process.hrtime.bigint() - t) / 1e9;
const perThousand = (secs * 1000) / ((rows.length * reps) / 1000);
process.stdout.write(
  `mask bench\n  free text: ${mbps.toFixed(1)} MB/s (${(Buffer.byteLength(text) / 1e6).toFixed(1)} MB, 1 line in 4 with PII)\n` +
    `  customer table (7 columns, text format): ${perThousand.toFixed(3)} ms per 1,000 rows` +
    ` (first pass over 10,000 distinct rows, cold caches: ${firstPass.toFixed(3)} ms)\n`,
);
