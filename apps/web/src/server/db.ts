import 'server-only';
import type { Db } from '@hoop/db';
import { env } from '~/env';
import { loadHoopDb } from '@hoop/core/hoop-db';

const holder = globalThis as unknown as { hoopWebDb?: Promise<Db> };

/** One Prisma client per server process, created on first use (and kept across hot reloads in development). */
export function db(): Promise<Db> {
  holder.hoopWebDb ??= loadHoopDb()
    .then((m) => m.createDb(env().DATABASE_URL, { max: 5 }))
    .catch((err: unknown) => {
      holder.hoopWebDb = undefined;
      throw err;
    });
  return holder.hoopWebDb;
}
