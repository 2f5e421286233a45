export * from './client';
export * from './credentials';
// the factories are `@hoop/db/testing`'s; re-exported here only until the tests that still take them from here move
export * from './factories';
export * from './migrate';
export type { Prisma } from './generated/client/index.js';
export * from './notify';
export * from './api-tokens';
export * from './admin-events';
export * from './connection-tests';
export * from './audit-partitions';
export * from './audit-purge-records';
export * from './audit-retention';
export * from './audit-purge';
export * from './audit-signing';
