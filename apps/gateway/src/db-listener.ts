import pg from 'pg';
import type { Logger } from '@hoop/log';

/**
 * LISTENs on Postgres notification channels (`hoop_config` for configuration changes, `hoop_review` for reviews,
 * `hoop_connection_test` for connection tests to run) and calls the channel's handler with the payload. Reconnects
 * with backoff if the database connection drops, and then calls every handler with `'*'`, since notifications may
 * have been missed meanwhile.
 */
export function listenForChanges(
  databaseUrl: string,
  log: Logger,
  handlers: Record<string, (payload: string) => void>,
): { ready: Promise<void>; stop(): Promise<void> } {
  let client: pg.Client | null = null;
  let stopped = false;
  let attempt = 0;
  let timer: NodeJS.Timeout | null = null;
  let first = true;

  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: databaseUrl });
    c.on('error', (err) => log.warn('database listener lost its connection', { error: err.message }));
    c.on('end', () => {
      if (client === c) client = null;
      if (!stopped) schedule();
    });
    c.on('notification', (n) => handlers[n.channel]?.(n.payload || '*'));
    await c.connect();
    for (const channel of Object.keys(handlers)) await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    client = c;
    attempt = 0;
    if (!first) for (const h of Object.values(handlers)) h('*');
    first = false;
  };
  const schedule = () => {
    if (timer || stopped) return;
    const delay = Math.min(30_000, 500 * 2 ** Math.min(attempt++, 6));
    timer = setTimeout(() => {
      timer = null;
      connect().catch((err: Error) => {
        log.warn('database listener could not reconnect', { error: err.message, retryInMs: delay });
        schedule();
      });
    }, delay);
  };
  return {
    ready: connect(),
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await client?.end().catch(() => undefined);
    },
  };
}
