import type { RequestHead } from '@hoop/httpwire';
import type { KubeRequest } from '@hoop/pipeline';
import type { KubernetesTargetConfig } from '@hoop/protocol';
import type { ExchangeContext } from '../http/context';
import type { ServedExchange } from '../http/plugin';
import type { Verdict } from '../session/hooks';

/**
 * Where an upgraded request (exec, attach, port-forward: `Connection: Upgrade` with the WebSocket channel protocol or
 * SPDY) goes once the guardrails have read it and not refused it. The handler opens the upgraded connection to the
 * API server (`ctx.target.origin`, the CA and token of the connection) with `headers` (the client's, the token and
 * impersonation set as for any request: see headers.ts and `impersonating`), holds the request for review first when
 * `verdict.action` is `review`, relays and records the channels, and calls `onDone` once the exchange is over.
 * kubernetesProtocol({ upgrade }) registers it; without one, upgrades are answered 501 in a Status that says so.
 */
export interface KubeUpgradeRequest {
  id: number;
  head: RequestHead;
  request: KubeRequest;
  verdict: Verdict;
  /** the API server (its URL and CA) */
  server: KubernetesTargetConfig;
  /** what the API server is sent: the client's headers without credentials or Impersonate-*, the token added */
  headers: Record<string, string>;
  /** who the request is made as: add `Impersonate-User` and one `Impersonate-Group` per group */
  impersonate: { user: string; groups: string[] };
  ctx: ExchangeContext;
  onDone(): void;
}

export type KubeUpgradeHandler = (u: KubeUpgradeRequest) => ServedExchange;
