export * from './schema';
export * from './resolve';
export * from './http';
export * from './kubernetes';
