/** The only place the database package reads the environment. */

/** The Postgres server named by DATABASE_URL; undefined when it is not set. */
export function databaseUrlFromEnv(): string | undefined {
  return process.env.DATABASE_URL || undefined;
}
