// `npm test`: every test. Unit and integration tests (vitest), then browser tests (Playwright) when present.
// Tests use the Postgres in DATABASE_URL; without one, an embedded Postgres is started for the run.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { bootstrap, ROOT, step } from './bootstrap.mjs';

bootstrap();
const bin = (name) => path.join(ROOT, 'node_modules', '.bin', name);

function run(cmd, args, env) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: 'inherit', env });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const env = { ...process.env };
let stopEmbedded = null;
if (!env.DATABASE_URL) {
  step('DATABASE_URL is not set: starting an embedded Postgres for the tests (.hoop/test-postgres)');
  const { startTestPostgres } = await import('./test-postgres.mjs');
  const pg = await startTestPostgres();
  env.DATABASE_URL = pg.url;
  stopEmbedded = pg.stop;
}

const passThrough = process.argv.slice(2);
step('unit and integration tests (vitest)');
let code = await run(bin('vitest'), ['run', ...passThrough], env);
if (code === 0 && passThrough.length === 0 && existsSync(path.join(ROOT, 'playwright.config.ts'))) {
  step('browser tests (Playwright, Chromium)');
  code = await run(bin('playwright'), ['test'], env);
}
if (stopEmbedded) await stopEmbedded();
process.exit(code);
