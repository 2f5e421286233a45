import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { whenDrained } from './drain';

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
}

describe('whenDrained', () => {
  /** a writable that takes one byte and then waits until `release` */
  function stalled() {
    let release: (() => void) | null = null;
    const w = new Writable({
      highWaterMark: 1,
      write(_c, _e, cb) {
        release = cb;
      },
    });
    return { w, release: () => release?.() };
  }

  it('calls back at the drain, once', async () => {
    const { w, release } = stalled();
    expect(w.write('ab')).toBe(false);
    let calls = 0;
    whenDrained(w, () => calls++);
    release();
    await until(() => calls > 0);
    w.destroy();
    await new Promise((r) => setImmediate(r));
    expect(calls).toBe(1);
    expect(w.listenerCount('close')).toBe(0);
  });

  it('calls back when the stream closes without draining', async () => {
    const { w } = stalled();
    w.write('ab');
    let called = false;
    whenDrained(w, () => void (called = true));
    w.destroy();
    await until(() => called);
    expect(w.listenerCount('drain')).toBe(0);
  });

  it('calls back after the caller’s turn when there is nothing to wait for', async () => {
    const { w } = stalled();
    const order: string[] = [];
    whenDrained(w, () => order.push('resumed'));
    order.push('paused');
    await until(() => order.length === 2);
    expect(order).toEqual(['paused', 'resumed']);
    w.destroy();
    const after: string[] = [];
    whenDrained(w, () => after.push('closed'));
    await until(() => after.length === 1);
  });
});
