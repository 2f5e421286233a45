/** Bytes of the agent's answer read for its BackendKeyData at most (its ParameterStatus messages come first). */
const MAX_SCAN = 256 * 1024;

/**
 * Watches what the agent answers a new session with (AuthenticationOk, ParameterStatus…, BackendKeyData,
 * ReadyForQuery) for the BackendKeyData the client will cancel with, chunk by chunk as it is relayed (the chunks are
 * only read); the watcher returns false once it is done: at the key, ReadyForQuery, an error, or after MAX_SCAN bytes.
 */
export function backendKeyWatcher(found: (processId: number, secretKey: number) => void): (chunk: Buffer) => boolean {
  let buf: Buffer = Buffer.alloc(0);
  let scanned = 0;
  let done = false;
  const stop = () => {
    done = true;
  };
  const onData = (chunk: Buffer) => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    while (buf.length >= 5) {
      const type = buf[0]!;
      const len = buf.readInt32BE(1) + 1;
      if (len < 5 || type === 0x5a /* Z */ || type === 0x45 /* E */) return stop();
      if (type === 0x4b /* K */ && len === 13) {
        if (buf.length < 13) return;
        found(buf.readInt32BE(5), buf.readInt32BE(9));
        return stop();
      }
      if (buf.length < len) {
        if (scanned + buf.length > MAX_SCAN) stop();
        return;
      }
      scanned += len;
      buf = buf.subarray(len);
      if (scanned > MAX_SCAN) return stop();
    }
  };
  return (chunk) => {
    if (!done) onData(chunk);
    return !done;
  };
}
