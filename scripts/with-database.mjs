// Runs a command with DATABASE_URL pointing at hoop's database: the one in the environment, else the embedded
// Postgres that `npm start` keeps under .hoop/ (which must be running).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './bootstrap.mjs';

const env = { ...process.env };
if (!env.DATABASE_URL) {
  const secrets = path.join(ROOT, '.hoop', 'secrets.json');
  if (!existsSync(secrets)) {
    process.stderr.write('no DATABASE_URL and no .hoop/secrets.json: run `npm start` first\n');
    process.exit(2);
  }
  const { pgPassword } = JSON.parse(readFileSync(secrets, 'utf8'));
  env.DATABASE_URL = `postgres://postgres:${encodeURIComponent(pgPassword)}@127.0.0.1:${env.HOOP_PG_PORT ?? 5454}/hoop`;
}
const [cmd, ...args] = process.argv.slice(2);
const child = spawn(cmd, args, { stdio: 'inherit', env, cwd: ROOT });
child.on('exit', (code) => process.exit(code ?? 1));
