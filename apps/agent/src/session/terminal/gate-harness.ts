import { Writable } from 'node:stream';
import { createLogger } from '@hoop/log';
import type { ReviewUpdate, Verdict } from '../hooks';
import { type GateContext, type GateTarget, judgeAll, judgeLines } from './gates';

/**
 * For the gates' tests: a target that takes what it is written (`slow`: leaves it unread until set back), and a gate
 * context judging with `judge` whose reviews wait until decided (`reviews`) and whose session may hold `limit` bytes
 * of the client's input (going past it ends the session, as the server does).
 */
export function gateHarness(judge: (line: string) => Verdict, o: { limit?: number; onWrite?: (chunk: string) => void } = {}) {
  const limit = o.limit ?? Infinity;
  const reviews: ((status: ReviewUpdate['status']) => void)[] = [];
  const holds: number[] = [];
  const written: string[] = [];
  const unread: (() => void)[] = [];
  let slow = false;
  let over = false;
  const target = new Writable({
    highWaterMark: 16,
    decodeStrings: false,
    write(chunk: string, _enc, cb) {
      written.push(chunk);
      o.onWrite?.(chunk);
      if (slow) unread.push(cb);
      else cb();
    },
  }) as unknown as GateTarget;
  const ctx: GateContext = {
    judge,
    judgeLines: (screen, typed) => judgeLines(judge, screen, typed),
    judgeAll: (texts) => judgeAll(judge, texts),
    review: () => new Promise((resolve) => reviews.push((status) => resolve({ status, reviewId: 'r1' }))),
    record: () => undefined,
    hold: (bytes) => {
      holds.push(bytes);
      over ||= bytes > limit;
      return !over;
    },
    log: createLogger('test', 'error'),
  };
  return {
    target,
    ctx,
    reviews,
    /** each write that reached the target */
    written,
    /** what the gate said it holds, last, and how many times it said so */
    held: () => holds.at(-1),
    reports: () => holds.length,
    slow(on: boolean) {
      slow = on;
      if (!on) for (const cb of unread.splice(0)) cb();
    },
  };
}
