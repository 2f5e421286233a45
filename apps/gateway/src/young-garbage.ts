import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * The frames the gateway relays are new buffers (each socket read, and `ws`'s copy of a frame that spans two reads),
 * dead as soon as they are written on: garbage outside V8's heap. V8 counts it toward a limit of 64 MB above what
 * the last full collection left, and only then collects, with a full collection (tens of milliseconds of marking a
 * heap of 20–25 MB), since what the relay allocates inside the heap is too little to fill the young generation and
 * start a young one. A young collection frees those buffers as well, in about a millisecond: one after every
 * `YOUNG_EVERY_BYTES` relayed keeps them from piling up (a 1,000,000-row SELECT had 30–37 MB of them waiting at the
 * gateway's highest RSS) and takes the full collections they caused away.
 */
export const YOUNG_EVERY_BYTES = 8 * 1024 * 1024;

type Collect = (options: { type: 'minor' }) => void;

/** V8's collector as `--expose-gc` gives it, taken from a context of its own; null where it is not to be had */
function youngCollector(): Collect | null {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as Collect) : null;
  } catch {
    return null;
  }
}

let collect: Collect | null | undefined;
let since = 0;

/** `bytes` more relayed: a young collection once YOUNG_EVERY_BYTES have been since the last one */
export function relayed(bytes: number): void {
  since += bytes;
  if (since < YOUNG_EVERY_BYTES) return;
  since = 0;
  // looked for once: where it cannot be had (null), relaying goes on as V8 would have it
  if (collect === undefined) collect = youngCollector();
  collect?.({ type: 'minor' });
}
