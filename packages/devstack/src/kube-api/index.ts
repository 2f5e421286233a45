export { BUILTIN_COMMANDS, type BuiltinCommand, CHANNEL_PROTOCOLS, type ExecRecord, type ProcessIo } from './exec';
export { kubeconfigFor, kubectlBinaries, type KubectlBinary } from './kubectl';
export type { Identity, RbacRule } from './rbac';
export type { KubeRequestRecord } from './request';
export { type KubeApiOptions, type KubeApiServer, SERVICE_ACCOUNT, startKubeApiServer } from './server';
export type { KubeStatus } from './status';
export type { KubeObject } from './store';
export type { ForwardRecord } from './portforward';
export { type RawSpdyClient, rawSpdy } from './spdy-client';
