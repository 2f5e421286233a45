import type { ConnectionType } from '@hoop/protocol';
import { anthropicProtocol } from './anthropic/protocol';
import { mysqlProtocol } from './mysql/protocol';
import { postgresProtocol } from './postgres/protocol';
import type { Protocol } from './session/protocol';
import { httpProtocol } from './http/protocol';
import { kubernetesProtocol } from './kubernetes/protocol';
import { kubeUpgradeHandler } from './kubernetes/upgrade';
import { shellProtocol } from './ssh/protocol';

/** The protocols an agent serves, by connection type: a type not listed is refused as not supported yet. */
export type ProtocolTable = Partial<Record<ConnectionType, Protocol>>;

/**
 * The protocols this agent serves, made once per agent (see Protocol). Adding one is a folder with its plug-in and a
 * line here.
 */
export function servedProtocols(): ProtocolTable {
  return {
    postgres: postgresProtocol(),
    mysql: mysqlProtocol(),
    ssh: shellProtocol(),
    anthropic: anthropicProtocol(),
    http: httpProtocol(),
    // exec, attach, port-forward: upgraded connections, judged by the plug-in, then relayed by kubernetes/upgrade
    kubernetes: kubernetesProtocol({ upgrade: kubeUpgradeHandler() }),
    // a command connection's target is a program on the agent's host, which its clients reach over SSH too: ssh/
    command: shellProtocol(),
  };
}
