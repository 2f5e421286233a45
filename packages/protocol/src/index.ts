export * from './messages';
export * from './stream';
export * from './tunnel';
export * from './exit-codes';
export * from './ws-transport';
export * from './review-notice';
export * from './probe';
export * from './connection-config';
