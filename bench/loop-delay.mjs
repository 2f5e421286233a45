// Preloaded into a process a benchmark watches (`node --import file:///…/bench/loop-delay.mjs?out=FILE …`): the delay
// of its event loop (perf_hooks' monitorEventLoopDelay, 10 ms resolution) and its memory (now, and the most seen in
// samples every 50 ms: the main thread's heap, its buffers, the whole process), appended to FILE as one JSON line each
// time the process gets SIGUSR2, both counted again from then on.
import { appendFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import v8 from 'node:v8';

const out = new URL(import.meta.url).searchParams.get('out');
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
const mb = (n) => Math.round((n / 1048576) * 10) / 10;
let most = { rss: 0, heapTotal: 0, arrayBuffers: 0 };
setInterval(() => {
  const m = process.memoryUsage();
  for (const k of Object.keys(most)) most[k] = Math.max(most[k], m[k]);
}, 50).unref();
process.on('SIGUSR2', () => {
  const heap = v8.getHeapStatistics();
  const line = {
    maxMs: Math.round(delay.max / 1e5) / 10,
    p99Ms: Math.round(delay.percentile(99) / 1e5) / 10,
    meanMs: Math.round(delay.mean / 1e5) / 10,
    heapUsedMb: mb(heap.used_heap_size),
    heapTotalMb: mb(heap.total_heap_size),
    externalMb: mb(process.memoryUsage().external),
    rssMb: mb(process.memoryUsage().rss),
    mostRssMb: mb(most.rss),
    mostHeapTotalMb: mb(most.heapTotal),
    mostArrayBuffersMb: mb(most.arrayBuffers),
  };
  most = { rss: 0, heapTotal: 0, arrayBuffers: 0 };
  if (out) appendFileSync(out, `${JSON.stringify(line)}\n`);
  delay.reset();
});
