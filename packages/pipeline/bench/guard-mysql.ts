/**
 * The MySQL guard's parse + judge time over generated statements (as bench/guard.ts does for Postgres): p50/p99 µs per
 * statement, statements per second, and the process's memory after 10,000 statements. `npm run bench:guard`
 */
import { defaultPolicy, evaluateMysql, initMysqlGuard } from '../src/index';

function corpus(n: number): string[] {
  const tables = ['customers', 'orders', 'order_items', 'payments', '`invoices`', 'shop.accounts'];
  const cols = ['id', 'email', 'status', 'created_at', 'amount', 'customer_id', 'note'];
  let seed = 7;
  const r = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  const shapes: (() => string)[] = [
    () => `select ${pick(cols)}, ${pick(cols)} from ${pick(tables)} where ${pick(cols)} = ${Math.floor(r() * 1e6)}`,
    () =>
      'select c.id, c.email, sum(o.amount) as total from customers c join orders o on o.customer_id = c.id ' +
      `where o.created_at > now() - interval ${1 + Math.floor(r() * 30)} day group by c.id, c.email order by total desc limit 50`,
    () => `select * from ${pick(tables)} where ${pick(cols)} in (${[1, 2, 3].map(() => Math.floor(r() * 1000)).join(', ')}) and ${pick(cols)} is not null`,
    () => 'with recent as (select * from orders where created_at > now() - interval 1 hour) select status, count(*) from recent group by status',
    () => `insert into ${pick(tables)} (${pick(cols)}, ${pick(cols)}) values (?, ?)`,
    () => `update ${pick(tables)} set ${pick(cols)} = 'x\\'y', updated_at = now() where id = ?`,
    () => `delete from sessions where expires_at < now() - interval ${Math.floor(r() * 90)} day`,
    () => `select count(*) from ${pick(tables)}`,
    () => '/*!40101 SET NAMES utf8mb4 */',
    () => 'start transaction; update accounts set balance = balance - 10 where id = 1; update accounts set balance = balance + 10 where id = 2; commit',
    () => `delete from ${pick(tables)}`,
    () => `drop table ${pick(tables)}`,
    () => "select load_file('/etc/passwd')",
    // strings a sql_mode reads another way: backslash escapes (an odd and an even number), double quotes, JSON
    () => `insert into notes (${pick(cols)}, body) values (${Math.floor(r() * 1e4)}, 'it\\'s ${Math.floor(r() * 1e4)}')`,
    () => `insert into notes (a, b) values ('O\\'Brien', 'x'), ('${Math.floor(r() * 1e4)}\\'', 'y')`,
    () => `select * from ${pick(tables)} where ${pick(cols)} = "${Math.floor(r() * 1e4)}"`,
    () => `select json_extract(doc, '$.a') from docs where doc->>'$.k' = '{"v":"a\\"b ${Math.floor(r() * 1e4)}"}'`,
  ];
  return Array.from({ length: n }, () => pick(shapes)());
}

const policy = defaultPolicy();
const rssBefore = process.memoryUsage().rss;
const loadStart = performance.now();
await initMysqlGuard();
const loadMs = performance.now() - loadStart;
const rssLoaded = process.memoryUsage().rss;
const statements = corpus(10_000);
for (const s of statements.slice(0, 500)) evaluateMysql(s, policy); // warm up
const times = new Float64Array(statements.length);
let denied = 0;
const start = process.hrtime.bigint();
for (let i = 0; i < statements.length; i++) {
  const t0 = process.hrtime.bigint();
  if (evaluateMysql(statements[i]!, policy).action !== 'allow') denied++;
  times[i] = Number(process.hrtime.bigint() - t0) / 1000;
}
const totalMs = Number(process.hrtime.bigint() - start) / 1e6;
const sorted = Array.from(times).sort((a, b) => a - b);
const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
process.stdout.write(
  `mysql guard bench: ${statements.length} statements (${denied} stopped)\n` +
    `  p50 ${q(0.5).toFixed(1)} µs   p90 ${q(0.9).toFixed(1)} µs   p99 ${q(0.99).toFixed(1)} µs   max ${sorted.at(-1)!.toFixed(0)} µs\n` +
    `  ${Math.round(statements.length / (totalMs / 1000))} statements/s (one core), RSS ${Math.round(process.memoryUsage().rss / 1e6)} MB ` +
    `(${Math.round(rssBefore / 1e6)} MB before the grammar, ${Math.round(rssLoaded / 1e6)} MB once loaded in ${loadMs.toFixed(0)} ms)\n`,
);

/** Texts whose parse is far from linear: each is refused at its time budget instead of taking seconds to minutes. */
const rep = (s: string, n: number) => Array.from({ length: n }, () => s).join('');
const slow: [string, string][] = [
  ['200 nested CASE', `select ${rep('case when a = 1 then ', 200)} 1 ${rep(' else 2 end', 200)} from t`],
  ['1,000 nested BEGIN blocks', `create procedure p() ${rep('begin ', 1000)} select 1; ${rep('end; ', 999)} end`],
  ['3,000 columns, a syntax error at the end', `select ${Array.from({ length: 3000 }, (_, i) => `c${i}`).join(', ')} from t where x = 1 )`],
  ['2,000 NOT', `select ${rep('not ', 2000)} a from t`],
  [
    '1 MB INSERT of 20,000 rows (a dump)',
    `insert into t (a, b, c) values ${Array.from({ length: 20000 }, (_, i) => `(${i}, 'name ${i}', 'u${i}@example.com')`).join(', ')}`,
  ],
];
for (const [name, text] of slow) {
  const t0 = performance.now();
  const d = evaluateMysql(text, policy);
  const verdict = d.action === 'allow' ? 'allowed' : `${d.action} (${d.ruleId}: ${(d.reason ?? '').slice(0, 90)})`;
  process.stdout.write(`  ${name}, ${(text.length / 1024).toFixed(0)} KB: ${(performance.now() - t0).toFixed(0)} ms, ${verdict}\n`);
}
