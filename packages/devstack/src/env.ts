/** The only place the dev stack and the test kit read the environment. */

/** the environment children inherit (a copy: callers add to it) */
export function inheritedEnv(): NodeJS.ProcessEnv {
  return { ...process.env };
}

/** The Postgres server tests use: DATABASE_URL (scripts/test.mjs sets it, to an embedded server if none is given). */
export function testServerUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set; run the tests with `npm test`, which provides one');
  return url;
}
