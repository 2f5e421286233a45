/** What `whenDrained` needs of a writable: a net.Socket, an http request or response, a tunnel stream. */
export interface Drainable {
  readonly destroyed: boolean;
  readonly writableNeedDrain: boolean;
  once(event: 'drain' | 'close', fn: () => void): unknown;
  off(event: 'drain' | 'close', fn: () => void): unknown;
}

/**
 * Calls `fn` once `stream` takes writes again: at its 'drain', or at its 'close'. A stream closed while it was full
 * never drains, and what waited for it (a session's input shared by several exchanges, paused for one slow client)
 * would wait forever. Not before the caller's turn is over even when nothing is to wait for, so a caller that pauses
 * after asking is resumed after it paused.
 */
export function whenDrained(stream: Drainable, fn: () => void): void {
  if (stream.destroyed || !stream.writableNeedDrain) return void process.nextTick(fn);
  const once = () => {
    stream.off('drain', once);
    stream.off('close', once);
    fn();
  };
  stream.once('drain', once);
  stream.once('close', once);
}
