// Prisma CLI configuration for this repository.
// - `engine: 'js'` + a driver adapter: the CLI then runs without its native schema-engine binary, which it would
//   otherwise download at run time (not possible on machines without general internet access).
// - The adapter is built from discrete fields, not a connection string: with a connection string the shadow database
//   used by `migrate dev` would reuse the main one.
import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';
import { databaseUrlFromEnv } from './src/env';

function adapterFromUrl(url: string) {
  const u = new URL(url);
  return new PrismaPg({
    host: u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: u.pathname.slice(1),
  });
}

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join(import.meta.dirname, '../../prisma/schema.prisma'),
  migrations: { path: path.join(import.meta.dirname, '../../prisma/migrations') },
  async adapter() {
    return adapterFromUrl(databaseUrlFromEnv() ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  },
});
