export * from './claude-code';
export * from './clients';
export * from './fake-anthropic';
export * from './process';
export * from './services';
export * from './testkit';
export { inheritedEnv, testMysqlPort, testServerUrl } from './env';
export * from './sshd';
export * from './kube-api';
