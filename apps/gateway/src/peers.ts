import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type pg from 'pg';
import type { Logger } from '@hoop/log';
import type { GatewayAddress } from '@hoop/protocol';

/** the notification channel a gateway that starts or stops sends on, so the others look at once */
export const GATEWAYS_CHANNEL = 'hoop_gateways';

export interface PeersOptions {
  /** how often this gateway beats (and looks at the others) */
  heartbeatMs: number;
  /** a gateway whose last beat is older than this is dead: its row is removed and agents drop its tunnel */
  expiresAfterMs: number;
  version: string;
}

/**
 * This gateway's row in `gateways`, and what it knows of the others. Several gateways share one database: each
 * registers itself when it starts, beats every `heartbeatMs`, and on each beat removes the rows of gateways that
 * stopped beating (compared on the database's clock, so the gateways' clocks need not agree) and reads the live ones.
 * When the live list changes, `onChange` gets it: the agent link sends it to every agent, which then dials the new
 * gateways and drops the dead ones. A gateway that stops cleanly removes its row and says so on GATEWAYS_CHANNEL.
 */
export class GatewayPeers {
  readonly id = randomUUID();
  /** the address agents dial this gateway at (set by start) */
  url = '';
  private live: GatewayAddress[] = [];
  private timer: NodeJS.Timeout | null = null;
  private beating: Promise<void> | null = null;
  private onChange: (live: GatewayAddress[]) => void = () => undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly log: Logger,
    private readonly o: PeersOptions,
  ) {}

  /** the live gateways (this one first), as agents dial them */
  list(): GatewayAddress[] {
    return this.live;
  }

  changed(handler: (live: GatewayAddress[]) => void): void {
    this.onChange = handler;
  }

  async start(url: string): Promise<void> {
    this.url = url.replace(/\/$/, '');
    await this.register();
    await this.pool.query('SELECT pg_notify($1, $2)', [GATEWAYS_CHANNEL, this.id]);
    this.timer = setInterval(() => void this.beat(), this.o.heartbeatMs);
    this.timer.unref();
  }

  private async register(): Promise<void> {
    await this.pool.query(
      `INSERT INTO gateways (id, internal_url, version, hostname, expires_after_ms) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (id) DO UPDATE SET heartbeat_at = now(), internal_url = EXCLUDED.internal_url`,
      [this.id, this.url, this.o.version, hostname(), this.o.expiresAfterMs],
    );
    await this.look();
  }

  /** beats, removes the dead, reads the live; one at a time (a notification may ask while a beat runs) */
  beat(): Promise<void> {
    this.beating ??= this.beatOnce().finally(() => (this.beating = null));
    return this.beating;
  }

  private async beatOnce(): Promise<void> {
    try {
      const r = await this.pool.query('UPDATE gateways SET heartbeat_at = now() WHERE id = $1', [this.id]);
      if (r.rowCount === 0) {
        // removed as dead by another gateway (this one stalled longer than its expiry): it is alive, so it says so again
        this.log.warn('this gateway was taken for dead (its heartbeats stalled); registering again', { gateway: this.id });
        await this.register();
        return;
      }
      await this.look();
    } catch (err) {
      this.log.warn('gateway heartbeat failed', { error: (err as Error).message });
    }
  }

  private async look(): Promise<void> {
    const gone = await this.pool.query<{ id: string }>(
      "DELETE FROM gateways WHERE heartbeat_at < now() - expires_after_ms * interval '1 millisecond' RETURNING id::text AS id",
    );
    for (const row of gone.rows) this.log.warn('a gateway stopped beating; removed from the live list', { gateway: row.id });
    const r = await this.pool.query<{ id: string; url: string }>(
      'SELECT id::text AS id, internal_url AS url FROM gateways ORDER BY (id = $1) DESC, started_at, id',
      [this.id],
    );
    const next = r.rows.map((row) => ({ id: row.id, url: row.url }));
    if (sameList(next, this.live)) return;
    this.live = next;
    this.log.info('live gateways', { gateways: next.map((g) => `${g.id} ${g.url}`) });
    this.onChange(next);
  }

  /** removes this gateway's row (a clean stop): agents drop their tunnel to it at once */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.beating?.catch(() => undefined);
    await this.pool.query('DELETE FROM gateways WHERE id = $1', [this.id]).catch(() => undefined);
    await this.pool.query('SELECT pg_notify($1, $2)', [GATEWAYS_CHANNEL, this.id]).catch(() => undefined);
  }
}

function sameList(a: GatewayAddress[], b: GatewayAddress[]): boolean {
  return a.length === b.length && a.every((g, i) => g.id === b[i]!.id && g.url === b[i]!.url);
}

/** ws://host:port of a listener; one on every address is reached by the machine's host name */
export function internalUrl(host: string, port: number): string {
  const name = host === '0.0.0.0' || host === '::' || host === '' ? hostname() : host;
  return `ws://${name.includes(':') ? `[${name}]` : name}:${port}`;
}
