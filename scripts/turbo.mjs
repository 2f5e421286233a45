// `npm run typecheck | build | lint`: installs what is missing (as every npm script does), then `turbo run` with the
// arguments, the pinned pnpm on PATH (turbo runs each package's script through it) and telemetry off.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { bootstrap, ROOT } from './bootstrap.mjs';

const pnpm = bootstrap();
const bin = path.join(ROOT, 'node_modules', '.bin');
const PATH = [pnpm === 'pnpm' ? null : path.dirname(pnpm), bin, process.env.PATH].filter(Boolean).join(path.delimiter);
const env = { ...process.env, PATH, TURBO_TELEMETRY_DISABLED: '1' };
const r = spawnSync(path.join(bin, 'turbo'), ['run', ...process.argv.slice(2)], { cwd: ROOT, stdio: 'inherit', env });
process.exit(r.status ?? 1);
