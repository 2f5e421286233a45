import type { Db } from '@hoop/db';
import type { Logger } from '@hoop/log';
import type { UserIdentity } from '../auth';

export interface CancelTarget {
  user: UserIdentity;
  connection: string;
}

/**
 * The cancel keys of the listener's sessions: who opened each session and on which connection. Kept in memory for this
 * gateway's sessions and in `pg_cancel_keys` for every gateway's, since a client's cancel request is a new connection
 * that a load balancer may send to any gateway; whichever gets it forwards it to the session's agent, which knows the
 * key. A write that fails only means a cancel through another gateway finds nothing (as an unknown key does).
 */
export class CancelKeys {
  private readonly mine = new Map<string, CancelTarget>();

  constructor(
    private readonly db: Db,
    private readonly gatewayId: string | null,
    private readonly log: Logger,
  ) {}

  set(key: string, target: CancelTarget): void {
    this.mine.set(key, target);
    if (!this.gatewayId) return;
    const identity = JSON.stringify(target.user);
    const { gatewayId } = this;
    this.db.$executeRaw`
      INSERT INTO pg_cancel_keys (key, gateway_id, connection, identity) VALUES (${key}, ${gatewayId}::uuid, ${target.connection}, ${identity}::jsonb)
      ON CONFLICT (key) DO UPDATE
        SET gateway_id = EXCLUDED.gateway_id, connection = EXCLUDED.connection, identity = EXCLUDED.identity, created_at = now()`.catch((err: Error) =>
      this.log.warn('postgres listener: cancel key not shared with the other gateways', { error: err.message }),
    );
  }

  delete(key: string): void {
    this.mine.delete(key);
    if (!this.gatewayId) return;
    this.db.$executeRaw`DELETE FROM pg_cancel_keys WHERE key = ${key} AND gateway_id = ${this.gatewayId}::uuid`.catch(() => undefined);
  }

  /** this gateway's session of the key, or another live gateway's */
  async get(key: string): Promise<CancelTarget | null> {
    const own = this.mine.get(key);
    if (own) return own;
    const rows = await this.db.$queryRaw<{ connection: string; identity: UserIdentity }[]>`SELECT connection, identity FROM pg_cancel_keys WHERE key = ${key}`;
    const row = rows[0];
    return row ? { user: row.identity, connection: row.connection } : null;
  }
}
