import type { Duplex, Readable, Writable } from 'node:stream';
import { SftpFilter, type SftpFilterHooks } from './sftp-events';

/**
 * Runs an SFTP session between the client's channel and the target's subsystem through an SftpFilter, with
 * backpressure both ways: a side whose bytes cannot be written now is paused until the other side drains. At most one
 * packet of the client is held; nothing of the target's is.
 */
export function relaySftp(client: Duplex, target: Duplex, hooks: Pick<SftpFilterHooks, 'record' | 'refused' | 'fail'>): SftpFilter {
  const holdClient = holder(client);
  const holdTarget = holder(target);
  const onClient = (b: Buffer) => filter.fromClient(b);
  const onTarget = (b: Buffer) => filter.fromServer(b);
  const filter = new SftpFilter({
    toServer: (b) => {
      if (!target.destroyed && !target.write(b)) holdClient(target);
    },
    toClient: (b) => {
      if (client.destroyed || client.write(b)) return;
      holdTarget(client);
      // hoop's own replies to the client come from the client's input
      holdClient(client);
    },
    record: hooks.record,
    refused: hooks.refused,
    fail: (reason) => {
      client.off('data', onClient);
      target.off('data', onTarget);
      hooks.fail(reason);
    },
  });
  client.on('data', onClient);
  target.on('data', onTarget);
  client.on('end', () => {
    filter.clientEnded();
    if (!filter.failed) target.end();
  });
  target.on('end', () => filter.serverEnded());
  client.on('close', () => target.destroy());
  return filter;
}

/** pauses `src` until every sink it waits for has drained */
function holder(src: Readable): (sink: Writable) => void {
  const waiting = new Set<Writable>();
  return (sink) => {
    if (waiting.has(sink)) return;
    waiting.add(sink);
    src.pause();
    sink.once('drain', () => {
      waiting.delete(sink);
      if (waiting.size === 0) src.resume();
    });
  };
}
