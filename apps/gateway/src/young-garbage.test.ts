import { constants, PerformanceObserver } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { relayed, YOUNG_EVERY_BYTES } from './young-garbage';

/** young collections made on request (not by V8 itself) while `fn` runs, as Node reports them */
async function forcedYoung(fn: () => void): Promise<number> {
  let n = 0;
  const seen = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const detail = (e as PerformanceEntry & { detail: { kind: number; flags: number } }).detail;
      if (detail.kind === constants.NODE_PERFORMANCE_GC_MINOR && detail.flags & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED) n++;
    }
  });
  seen.observe({ entryTypes: ['gc'] });
  fn();
  // entries are delivered after the turn they happened in
  await sleep(50);
  seen.disconnect();
  return n;
}

describe('young collections while relaying', () => {
  it('collects the young generation once every YOUNG_EVERY_BYTES relayed, not before', async () => {
    await forcedYoung(() => relayed(YOUNG_EVERY_BYTES)); // starts the count afresh
    expect(await forcedYoung(() => relayed(YOUNG_EVERY_BYTES - 1))).toBe(0);
    expect(await forcedYoung(() => relayed(1))).toBe(1);
    // frames of 64 KB, as the relay passes them: one collection per YOUNG_EVERY_BYTES
    const frames = (3 * YOUNG_EVERY_BYTES) / 65536;
    expect(
      await forcedYoung(() => {
        for (let i = 0; i < frames; i++) relayed(65536);
      }),
    ).toBe(3);
  });
});
