import type { KubeUpgradeHandler } from '../upgrade-hook';
import { UpgradeExchange } from './exchange';

/**
 * Upgraded connections of a `kubernetes` connection (kubectl exec, attach, port-forward, cp; client libraries' exec
 * over WebSocket): the handler kubernetesProtocol registers as its plug-in's `upgrade` (see ../upgrade-hook.ts). The
 * plug-in judges the request as any other and calls it for a request it did not refuse; it judges exec's command
 * with the shell guard, holds it for review when asked, upgrades at the API server as the hoop user, and relays:
 * the WebSocket channel protocol and SPDY read (output masked, terminal frames recorded; SPDY terminated on both
 * sides, spdy-channels.ts), port-forward over SPDY or its WebSocket tunnel recorded per port (spdy-portforward.ts). On the client's side, hoop connect's local port relays the upgrade (apps/cli connect-upgrade).
 */
export function kubeUpgradeHandler(): KubeUpgradeHandler {
  return (u) => new UpgradeExchange(u);
}

export { execCommand, shellWord } from './exec-command';
