export { acceptPostgres, type FrontAuth, type FrontDoorOptions, type FrontDoorResult, type StartupInfo } from './front-door';
export { type GeneratedTls, generateServerTls } from './tls-cert';
