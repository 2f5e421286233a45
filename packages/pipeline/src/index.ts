export * from './guard';
export * from './mask';
export * from './policy';
export * from './shell';
export * from './mysql';
export * from './http';
export * from './kubernetes';
