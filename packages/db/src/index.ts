export * from './client';
export * from './credentials';
export * from './embedded';
export * from './factories';
export * from './migrate';
export * from './demo';
export { demoCustomers, type DemoCustomer } from './demo-data';
export type { Prisma } from './generated/client/index.js';
export * from './notify';
