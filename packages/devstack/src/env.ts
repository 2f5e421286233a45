/** The only place the dev stack and the test kit read the environment. */

/** the environment children inherit (a copy: callers add to it) */
export function inheritedEnv(): NodeJS.ProcessEnv {
  return { ...process.env };
}

/** The Postgres server tests use: DATABASE_URL (scripts/test.mjs sets it, to an embedded server if none is given). */
export { testServerUrl } from '@hoop/db/testing';

/** the MySQL/MariaDB server the MySQL tests use (HOOP_TEST_MYSQL_PORT on 127.0.0.1, root without a password) */
export function testMysqlPort(): number {
  return Number(process.env.HOOP_TEST_MYSQL_PORT ?? 3306);
}

/** the folders a bare command name is looked up in */
export function searchPath(): string {
  return process.env.PATH ?? '';
}

/** the home folder of the user the tests run as */
export function homeDir(): string {
  return process.env.HOME ?? '/root';
}

/** the Chromium the browser tests drive (HOOP_CHROMIUM, else Debian's) */
export function chromiumPath(): string {
  return process.env.HOOP_CHROMIUM ?? '/usr/bin/chromium';
}

/** the missing programs `npm test` announced, whose tests are skipped (HOOP_TEST_SKIP_TOOLS) */
export function announcedMissingTools(): string[] {
  return (process.env.HOOP_TEST_SKIP_TOOLS ?? '').split(',').filter(Boolean);
}

/** whether `npm test` announced that Claude Code could not be installed, so its tests are skipped (HOOP_TEST_SKIP_CLAUDE_CODE) */
export function announcedClaudeCodeSkip(): boolean {
  return process.env.HOOP_TEST_SKIP_CLAUDE_CODE === '1';
}

/**
 * The bundles built once for a test run (HOOP_PREBUILT_BUNDLES, JSON): read by each test process, set by the run's
 * global setup in its own environment so the processes it starts inherit them.
 */
export const PREBUILT_BUNDLES_VAR = 'HOOP_PREBUILT_BUNDLES';
export function prebuiltBundlesJson(): string | undefined {
  return process.env[PREBUILT_BUNDLES_VAR];
}
export function setPrebuiltBundlesJson(json: string | undefined): void {
  if (json === undefined) delete process.env[PREBUILT_BUNDLES_VAR];
  else process.env[PREBUILT_BUNDLES_VAR] = json;
}

/** more kubectl builds the Kubernetes tests run, besides those found (HOOP_TEST_KUBECTL: paths separated by `:`) */
export function extraKubectls(): string[] {
  return (process.env.HOOP_TEST_KUBECTL ?? '').split(':').filter(Boolean);
}

/** which parallel test worker this process is (vitest's VITEST_POOL_ID, Playwright's TEST_PARALLEL_INDEX), else null */
export function testWorkerIndex(): number | null {
  const id = Number(process.env.VITEST_POOL_ID ?? process.env.TEST_PARALLEL_INDEX ?? Number.NaN);
  return Number.isInteger(id) && id >= 0 ? id : null;
}
