// Preloaded into a process a benchmark watches (`node --import file:///…/bench/mem-probe.mjs?out=FILE …`): what its
// memory is made of at the moment its RSS was highest (within 1 MB). Every 20 ms it samples process.memoryUsage(); at each new
// highest RSS it also keeps V8's heap spaces (committed and in use), the external memory, and /proc/self/smaps_rollup
// (anonymous against file-backed pages). Each SIGUSR2 appends that moment and the current one to FILE as one JSON
// line, then counts again from the current RSS. With `snapshot=DIR` a SIGUSR2 also writes a heap snapshot into DIR
// (after the line: a snapshot takes seconds and as much memory as the heap). With `gc=1` (and node's --expose-gc) a
// full collection runs first, so the line says what is left when only live objects are kept.
import { appendFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';

const params = new URL(import.meta.url).searchParams;
const out = params.get('out');
const snapshotDir = params.get('snapshot');
const mb = (n) => Math.round((n / 1048576) * 10) / 10;

function rollup() {
  try {
    const text = readFileSync('/proc/self/smaps_rollup', 'utf8');
    const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
    return { anonMb: mb(kb('Anonymous') * 1024), fileMb: mb((kb('Rss') - kb('Anonymous')) * 1024) };
  } catch {
    return {};
  }
}

function moment() {
  const m = process.memoryUsage();
  const spaces = {};
  for (const s of v8.getHeapSpaceStatistics()) {
    const name = s.space_name.replace(/_space$/, '');
    if (s.space_size > 0) spaces[name] = `${mb(s.space_used_size)}/${mb(s.space_size)}`;
  }
  return {
    rssMb: mb(m.rss),
    heapUsedMb: mb(m.heapUsed),
    heapTotalMb: mb(m.heapTotal),
    externalMb: mb(m.external),
    arrayBuffersMb: mb(m.arrayBuffers),
    spaces,
    ...rollup(),
  };
}

// a new highest RSS is looked into when it is 1 MB over the last one looked into: reading smaps_rollup at each page
// the RSS grew by cost the gateway ~0.27 s of CPU in one bench:mysql run
const STEP = 1048576;
let top = moment();
let snapshots = 0;
setInterval(() => {
  const rss = process.memoryUsage.rss();
  if (rss > top.rssMb * 1048576 + STEP) top = moment();
}, 20).unref();

process.on('SIGUSR2', () => {
  if (params.get('gc') === '1' && globalThis.gc) globalThis.gc();
  const line = { atPeak: top, now: moment() };
  if (out) appendFileSync(out, `${JSON.stringify(line)}\n`);
  top = line.now;
  if (snapshotDir) v8.writeHeapSnapshot(path.join(snapshotDir, `${process.pid}-${++snapshots}.heapsnapshot`));
});
