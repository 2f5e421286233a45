import type { Duplex } from 'node:stream';
import pg from 'pg';

/** node-postgres expects a socket; this makes any duplex stream (a tunnel stream) look like one. */
function socketLike(stream: Duplex): Duplex {
  const s = stream as Duplex & { connect: () => void; setNoDelay: () => void; setKeepAlive: () => void; ref: () => void; unref: () => void };
  s.connect = () => void process.nextTick(() => s.emit('connect'));
  s.setNoDelay = () => undefined;
  s.setKeepAlive = () => undefined;
  s.ref = () => undefined;
  s.unref = () => undefined;
  return s;
}

/** A node-postgres client speaking over a hoop stream (the agent answers its startup and applies the policy). */
export async function pgClientOver(stream: Duplex, applicationName: string): Promise<pg.Client> {
  const client = new pg.Client({ stream: () => socketLike(stream), user: 'hoop', database: 'hoop', application_name: applicationName } as pg.ClientConfig);
  client.on('error', () => undefined);
  await client.connect();
  return client;
}
