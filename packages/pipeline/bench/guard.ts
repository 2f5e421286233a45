/**
 * Parse + guard throughput over a corpus of realistic statements (generated, ≥ 10,000): p50/p99 µs per statement and
 * statements per second. `npm run bench:guard`
 */
import { defaultPolicy, evaluate, initGuard } from '../src/index';

function corpus(n: number): string[] {
  const tables = ['customers', 'orders', 'order_items', 'payments', 'invoices', 'sessions', 'events', 'public.accounts', 'billing.plans'];
  const cols = ['id', 'email', 'status', 'created_at', 'amount', 'customer_id', 'note', 'plan', 'country'];
  let seed = 7;
  const r = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  const shapes: (() => string)[] = [
    () => `select ${pick(cols)}, ${pick(cols)} from ${pick(tables)} where ${pick(cols)} = ${Math.floor(r() * 1e6)}`,
    () =>
      `select c.id, c.email, sum(o.amount) as total from customers c join orders o on o.customer_id = c.id where o.created_at > now() - interval '` +
      `${1 + Math.floor(r() * 30)} days' group by c.id, c.email order by total desc limit 50`,
    () => `select * from ${pick(tables)} where ${pick(cols)} in (${[1, 2, 3, 4].map(() => Math.floor(r() * 1000)).join(', ')}) and ${pick(cols)} is not null`,
    () => `with recent as (select * from orders where created_at > now() - interval '1 hour') select status, count(*) from recent group by status`,
    () => `insert into ${pick(tables)} (${pick(cols)}, ${pick(cols)}) values ($1, $2) returning id`,
    () => `update ${pick(tables)} set ${pick(cols)} = $1, updated_at = now() where id = $2`,
    () => `delete from sessions where expires_at < now() - interval '${Math.floor(r() * 90)} days'`,
    () => `select count(*) from ${pick(tables)}`,
    () => `explain select * from ${pick(tables)} where ${pick(cols)} = 'x'`,
    () => `begin; update accounts set balance = balance - 10 where id = 1; update accounts set balance = balance + 10 where id = 2; commit`,
    () => `select pg_size_pretty(pg_total_relation_size('${pick(tables)}'))`,
    () => `delete from ${pick(tables)}`,
    () => `drop table ${pick(tables)}`,
    () => `select pg_read_file('/etc/passwd')`,
    () => `create index concurrently on ${pick(tables)} (${pick(cols)})`,
  ];
  return Array.from({ length: n }, () => pick(shapes)());
}

await initGuard();
const policy = defaultPolicy();
const statements = corpus(20_000);
for (const s of statements.slice(0, 2000)) evaluate(s, policy); // warm up
const times = new Float64Array(statements.length);
let denied = 0;
const start = process.hrtime.bigint();
for (let i = 0; i < statements.length; i++) {
  const t0 = process.hrtime.bigint();
  if (evaluate(statements[i]!, policy).action !== 'allow') denied++;
  times[i] = Number(process.hrtime.bigint() - t0) / 1000;
}
const totalMs = Number(process.hrtime.bigint() - start) / 1e6;
const sorted = Array.from(times).sort((a, b) => a - b);
const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
process.stdout.write(
  `guard bench: ${statements.length} statements (${denied} stopped)\n` +
    `  p50 ${q(0.5).toFixed(1)} µs   p90 ${q(0.9).toFixed(1)} µs   p99 ${q(0.99).toFixed(1)} µs   max ${sorted.at(-1)!.toFixed(0)} µs\n` +
    `  ${Math.round(statements.length / (totalMs / 1000))} statements/s (one core)\n`,
);
