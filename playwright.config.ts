import { defineConfig } from '@playwright/test';

/**
 * Browser tests drive Debian's Chromium (`apt-get install chromium`), never a downloaded browser. The web app is built
 * once before the run (playwright/global-setup.ts); each spec starts what it needs (its own database, the web app from
 * that build on a free port) in `beforeAll`, so two specs run at once, each in a worker of its own (the tests of a spec
 * stay in order): much of a browser test is waiting on the page, and two workers took a quarter less time than one.
 */
export default defineConfig({
  testDir: 'playwright',
  // without a MySQL/MariaDB for the tests (npm test says so), the MySQL connection spec is left out
  testIgnore: process.env.HOOP_TEST_SKIP_MYSQL ? ['web-mysql.spec.ts', 'web-mysql-sessions.spec.ts'] : [],
  outputDir: 'playwright/test-results',
  globalSetup: './playwright/global-setup.ts',
  timeout: 120_000,
  expect: { timeout: 10_000 },
  workers: 2,
  fullyParallel: false,
  forbidOnly: Boolean(process.env.CI),
  reporter: [['list']],
  use: {
    headless: true,
    viewport: { width: 1440, height: 900 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.HOOP_CHROMIUM ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
  },
});
