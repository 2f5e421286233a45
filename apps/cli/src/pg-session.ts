import type pg from 'pg';
import { pgClientOver } from '@hoop/mcp/pg-stream';
import { EXIT, type TunnelStream } from '@hoop/protocol';
import { CliError, usage } from './errors';
import type { GatewayLink } from './gateway';

/** node-postgres over a stream already opened to a Postgres connection. */
export async function pgClientFor(stream: TunnelStream, name: string, type: string | undefined): Promise<pg.Client> {
  if (type && type !== 'postgres') {
    stream.destroy();
    throw usage(`connection "${name}" is of type ${type}, which cannot run SQL`);
  }
  try {
    return await pgClientOver(stream, 'hoop exec');
  } catch (err) {
    throw new CliError(EXIT.unreachable, `could not open a session on "${name}": ${(err as Error).message}`);
  }
}

/** A Postgres session through the gateway and the agent, driven with node-postgres (same pipeline as `hoop connect`). */
export async function openPgSession(
  link: GatewayLink,
  name: string,
  mode: 'exec' | 'mcp',
  clientInfo: Record<string, string>,
): Promise<{ client: pg.Client; sessionId?: string; limits?: { maxRows: number; maxBytes: number } }> {
  const { stream, type, sessionId, limits } = await link.open(name, mode, clientInfo);
  if (type && type !== 'postgres') {
    stream.destroy();
    throw usage(`connection "${name}" is of type ${type}, which cannot run SQL`);
  }
  try {
    return { client: await pgClientOver(stream, clientInfo.client ?? 'hoop'), sessionId, limits };
  } catch (err) {
    throw new CliError(EXIT.unreachable, `could not open a session on "${name}": ${(err as Error).message}`);
  }
}
