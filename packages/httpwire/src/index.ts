export * from './exchange';
export * from './messages';
export * from './sse';
export * from './client';
export * from './body-record';
export * from './websocket';
export * from './upgrade-client';
export * from './spdy';
