export * from './guard';
export * from './policy';
