import type pg from 'pg';
import { pgClientOver } from '@hoop/mcp/pg-stream';
import { EXIT, type TunnelStream } from '@hoop/protocol';
import { CliError, usage } from './errors';

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
