/** What the built-in rules both SQL guards share say when they fire: the same words for Postgres, MySQL and MariaDB. */

export const dropFinding = (what: string) => ({
  message: `DROP ${what.toUpperCase()} would destroy the object and its data`,
  hint: 'dropping objects needs a reviewer: ask an admin, or change the policy for this connection',
});

export const TRUNCATE = { message: 'TRUNCATE would remove every row', hint: 'delete the rows you mean with a WHERE clause, or request approval' };

export const withoutWhere = (command: 'DELETE' | 'UPDATE') => ({
  message: `${command} without a WHERE clause would touch every row`,
  hint: 'add a WHERE clause, or request approval with --reason',
});

export const GRANT_REVOKE = {
  message: 'GRANT and REVOKE change who may do what in the database',
  hint: 'privileges are managed by an admin, not through sessions',
};

export const READ_ONLY_OVERRIDE = {
  message: 'turning off read-only mode is not allowed',
  hint: 'this connection is meant to be read-only; ask an admin for write access',
};
