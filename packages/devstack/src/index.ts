export * from './clients';
export * from './process';
export * from './services';
export * from './testkit';
export { inheritedEnv, testServerUrl } from './env';
export * from './sshd';
