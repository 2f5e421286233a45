import pg from 'pg';

/**
 * For tests: LISTENs on `hoop_config` as the gateway does (apps/gateway/src/db-listener.ts) and keeps every payload,
 * so a test sees which org's agents a change would reach.
 */
export interface ConfigListener {
  /** org ids notified so far, in order */
  readonly payloads: string[];
  /** waits until a notification for `orgId` arrives after the current ones (or fails after `timeoutMs`) */
  next(orgId: string, timeoutMs?: number): Promise<void>;
  /** forgets what arrived so far */
  clear(): void;
  stop(): Promise<void>;
}

export async function listenForConfig(databaseUrl: string): Promise<ConfigListener> {
  const client = new pg.Client({ connectionString: databaseUrl });
  const payloads: string[] = [];
  const waiters = new Set<() => void>();
  client.on('notification', (n) => {
    if (n.channel !== 'hoop_config') return;
    payloads.push(n.payload ?? '');
    for (const w of waiters) w();
  });
  await client.connect();
  await client.query('LISTEN hoop_config');
  return {
    payloads,
    clear: () => void payloads.splice(0),
    next(orgId, timeoutMs = 5_000) {
      const from = payloads.length;
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!payloads.slice(from).includes(orgId)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no hoop_config notification for ${orgId} within ${timeoutMs} ms (got: ${payloads.slice(from).join(', ') || 'none'})`));
        }, timeoutMs);
        waiters.add(check);
      });
    },
    stop: () => client.end(),
  };
}
