// `npm test`: every test. Installs the workspace if needed, then scripts/test-run.ts: the programs some tests drive
// (installed as root on Debian, named otherwise), a Postgres (DATABASE_URL, else an embedded one), vitest, Playwright.
import { bootstrap } from './bootstrap.mjs';

bootstrap();
const { register } = await import('tsx/esm/api');
register();
await import('./test-run.ts');
