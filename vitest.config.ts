import { defineConfig } from 'vitest/config';

/** The tests that need a MySQL/MariaDB server: left out when `npm test` found none and could not start one (it says so). */
const MYSQL_SERVER_TESTS = [
  'apps/agent/src/mysql/{guard,probe,review-hold,session,target,wire}.test.ts',
  'apps/cli/test/{mysql-session,mysql-review,mysql-local-infile,mysql-sessions-cli,mysql-tls,mcp-mysql,pymysql,connect-exec}.test.ts',
  'packages/devstack/src/demo-mysql.test.ts',
  'packages/mcp/src/mysql.test.ts',
];

export default defineConfig({
  test: {
    include: ['apps/*/src/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'apps/web/.next/**', ...(process.env.HOOP_TEST_SKIP_MYSQL ? MYSQL_SERVER_TESTS : [])],
    pool: 'forks',
    globalSetup: ['scripts/vitest-global-setup.ts'],
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
