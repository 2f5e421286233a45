import pg from 'pg';
import type { Logger } from '@hoop/log';

/**
 * LISTENs for configuration changes (`pg_notify('hoop_config', orgId)`) and calls `onChange`; reconnects with
 * backoff if the database connection drops, and then calls `onChange('*')` since changes may have been missed.
 */
export function listenForConfig(databaseUrl: string, log: Logger, onChange: (orgId: string) => void): { ready: Promise<void>; stop(): Promise<void> } {
  let client: pg.Client | null = null;
  let stopped = false;
  let attempt = 0;
  let timer: NodeJS.Timeout | null = null;
  let first = true;

  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: databaseUrl });
    c.on('error', (err) => log.warn('configuration listener lost its connection', { error: err.message }));
    c.on('end', () => {
      if (client === c) client = null;
      if (!stopped) schedule();
    });
    c.on('notification', (n) => onChange(n.payload || '*'));
    await c.connect();
    await c.query('LISTEN hoop_config');
    client = c;
    attempt = 0;
    if (!first) onChange('*');
    first = false;
  };
  const schedule = () => {
    if (timer || stopped) return;
    const delay = Math.min(30_000, 500 * 2 ** Math.min(attempt++, 6));
    timer = setTimeout(() => {
      timer = null;
      connect().catch((err: Error) => {
        log.warn('configuration listener could not reconnect', { error: err.message, retryInMs: delay });
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
