export * from './auth';
export * from './backend';
export * from './errors';
export * from './frontend';
export * from './message-buffer';
export * from './types';
export * from './writer';
