export * from './guard';
export * from './pii';
export * from './policy';
