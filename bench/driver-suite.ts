/**
 * A Postgres driver's own integration suite, run file by file against a URL, to check that hoop is indistinguishable
 * from Postgres to a client. Written for node-postgres' `packages/pg/test/integration` (each `*-tests.js` file is a
 * program that exits 0 when its tests pass and reads the PG* environment variables); nothing of the suite is kept here.
 *
 *   node --import tsx bench/driver-suite.ts CHECKOUT [--url URL] [--hoop] [--only a,b] [--json FILE]
 *
 * CHECKOUT is a node-postgres checkout with its packages installed. `--url` runs the suite against that URL (default:
 * DATABASE_URL's server, in a scratch database); `--hoop` runs it through `hoop connect` → gateway → agent (real
 * processes) to a scratch database, under a policy that turns every guardrail and masking off; both together print
 * the two side by side. Per file: pass or fail (with the first lines of a failure's output); the totals at the end.
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createTargetDatabase, startTestStack, type TestStack } from '@hoop/devstack';

const FILE_TIMEOUT_MS = 120_000;

interface FileResult {
  file: string;
  ok: boolean;
  ms: number;
  output: string;
}

function testFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...testFiles(p));
    else if (name.endsWith('-tests.js')) out.push(p);
  }
  return out;
}

/** The PG* variables node-postgres' tests connect with, from a URL. */
function pgEnv(url: string): NodeJS.ProcessEnv {
  const u = new URL(url);
  const sslmode = u.searchParams.get('sslmode');
  return {
    PGHOST: u.hostname,
    PGPORT: u.port || '5432',
    PGUSER: decodeURIComponent(u.username) || 'postgres',
    PGDATABASE: decodeURIComponent(u.pathname.slice(1)) || 'postgres',
    ...(u.password ? { PGPASSWORD: decodeURIComponent(u.password) } : {}),
    ...(sslmode ? { PGSSLMODE: sslmode } : {}),
  };
}

function runFile(file: string, cwd: string, env: NodeJS.ProcessEnv): Promise<FileResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file], { cwd, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      output += `\n(killed after ${FILE_TIMEOUT_MS / 1000} s)`;
      child.kill('SIGKILL');
    }, FILE_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ file, ok: code === 0, ms: Date.now() - started, output });
    });
  });
}

async function runSuite(label: string, pkg: string, files: string[], url: string): Promise<Map<string, FileResult>> {
  const results = new Map<string, FileResult>();
  process.stderr.write(`\n== ${label}: ${url.replace(/:[^:@/]*@/, ':***@')}\n`);
  for (const file of files) {
    const rel = path.relative(path.join(pkg, 'test/integration'), file);
    const r = await runFile(file, pkg, pgEnv(url));
    results.set(rel, r);
    process.stderr.write(`${r.ok ? 'pass' : 'FAIL'} ${rel} (${r.ms} ms)\n`);
  }
  return results;
}

const POLICY = (connection: string) => `name: driver-suite
connections:
  names: [${connection}]
guardrails:
  builtins:
${[
  'drop',
  'truncate',
  'delete-without-where',
  'update-without-where',
  'alter-drop-column',
  'grant-revoke',
  'copy-program',
  'file-and-shell-functions',
  'dynamic-sql',
  'read-only-override',
  'explain-analyze-write',
]
  .map((id) => `    ${id}: { enabled: false }`)
  .join('\n')}
masking:
  enabled: false
`;

/** hoop connect → gateway → agent to a scratch database, every guardrail and masking off: the URL hoop connect prints. */
async function throughHoop(targetUrl: string): Promise<{ url: string; stop(): Promise<void> }> {
  const stack: TestStack = await startTestStack();
  await stack.addPostgresConnection('suite', targetUrl);
  await stack.startAgent();
  const file = `${stack.configFile}.policy.yaml`;
  writeFileSync(file, POLICY('suite'));
  const applied = await stack.cli(['policy', 'apply', '-f', file]);
  if (applied.code !== 0) throw new Error(`policy apply failed: ${applied.stderr}`);
  const conn = await stack.connect('suite');
  return { url: conn.url, stop: () => stack.stop() };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const checkout = args[0];
  if (!checkout || checkout.startsWith('--')) throw new Error('usage: driver-suite.ts CHECKOUT [--url URL] [--hoop] [--only a,b] [--json FILE]');
  const opt = (name: string) => {
    const i = args.indexOf(name);
    return i > 0 ? args[i + 1] : undefined;
  };
  const pkg = path.join(checkout, 'packages/pg');
  const only = opt('--only')?.split(',');
  const files = testFiles(path.join(pkg, 'test/integration')).filter((f) => !only || only.some((o) => f.includes(o)));
  const viaHoop = args.includes('--hoop');
  const target = await createTargetDatabase('driversuite');
  const runs: [string, Map<string, FileResult>][] = [];
  try {
    const direct = opt('--url') ?? (viaHoop ? null : target.url);
    if (direct) runs.push(['direct', await runSuite('direct', pkg, files, direct)]);
    if (viaHoop) {
      const hoop = await throughHoop(target.url);
      try {
        runs.push(['hoop', await runSuite('through hoop connect', pkg, files, hoop.url)]);
      } finally {
        await hoop.stop();
      }
    }
  } finally {
    await target.drop();
  }
  const names = [...runs[0]![1].keys()];
  const width = Math.max(...names.map((n) => n.length));
  process.stdout.write(`${'file'.padEnd(width)}  ${runs.map(([l]) => l.padEnd(6)).join('  ')}\n`);
  for (const n of names) process.stdout.write(`${n.padEnd(width)}  ${runs.map(([, r]) => (r.get(n)?.ok ? 'pass' : 'FAIL').padEnd(6)).join('  ')}\n`);
  for (const [l, r] of runs) process.stdout.write(`${l}: ${[...r.values()].filter((x) => x.ok).length} of ${r.size} files pass\n`);
  if (runs.length === 2) {
    const [a, b] = [runs[0]![1], runs[1]![1]];
    const differ = names.filter((n) => a.get(n)?.ok && !b.get(n)?.ok);
    process.stdout.write(`pass directly, fail through hoop: ${differ.length ? differ.join(', ') : 'none'}\n`);
    for (const n of differ) process.stdout.write(`\n--- ${n}\n${b.get(n)!.output.split('\n').slice(0, 30).join('\n')}\n`);
  }
  const json = opt('--json');
  if (json) writeFileSync(json, JSON.stringify(Object.fromEntries(runs.map(([l, r]) => [l, Object.fromEntries(r)])), null, 2));
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
