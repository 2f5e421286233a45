export * from './process';
export * from './services';
export * from './testkit';
export { testServerUrl } from './env';
