import type { Duplex } from 'node:stream';
import pg from 'pg';
import { EXIT, type TunnelStream } from '@hoop/protocol';
import { CliError, usage } from './errors';
import type { GatewayLink } from './gateway';

/** node-postgres expects a socket; this makes a tunnel stream look like one. */
function socketLike(stream: TunnelStream): Duplex {
  const s = stream as TunnelStream & { connect: () => void; setNoDelay: () => void; setKeepAlive: () => void; ref: () => void; unref: () => void };
  s.connect = () => void process.nextTick(() => s.emit('connect'));
  s.setNoDelay = () => undefined;
  s.setKeepAlive = () => undefined;
  s.ref = () => undefined;
  s.unref = () => undefined;
  return s;
}

/** A Postgres session through the gateway and the agent, driven with node-postgres (same pipeline as `hoop connect`). */
export async function openPgSession(link: GatewayLink, name: string, mode: 'exec' | 'mcp', clientInfo: Record<string, string>): Promise<{ client: pg.Client; sessionId?: string }> {
  const { stream, type, sessionId } = await link.open(name, mode, clientInfo);
  if (type && type !== 'postgres') {
    stream.destroy();
    throw usage(`connection "${name}" is of type ${type}, which cannot run SQL`);
  }
  const client = new pg.Client({ stream: () => socketLike(stream), user: 'hoop', database: name, application_name: clientInfo.client ?? 'hoop' } as pg.ClientConfig);
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    throw new CliError(EXIT.unreachable, `could not open a session on "${name}": ${(err as Error).message}`);
  }
  return { client, sessionId };
}
