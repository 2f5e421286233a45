import type { IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import type { KubernetesTargetConfig } from '@hoop/protocol';

/** The channel protocols whose messages hoop reads (binary); the base64 ones are not offered to the API server. */
export const READ_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];

/**
 * The client's offered WebSocket subprotocols, less the base64 channel ones (text frames hoop would have to decode to
 * mask): null when nothing is left of a channel-protocol offer. Other subprotocols (port-forward) are kept.
 */
export function offeredProtocols(header: string | undefined): string | null | undefined {
  if (header === undefined) return undefined;
  const all = header
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  const kept = all.filter((p) => !p.startsWith('base64.'));
  if (kept.length === 0 && all.length > 0) return null;
  return kept.join(', ');
}

export interface UpgradeEvents {
  /** 101: the connection is the client's now */
  upgraded(res: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** any other answer (a Status the API server refuses with) */
  response(res: IncomingMessage): void;
  failed(message: string): void;
}

/**
 * An upgrade request to the API server on a connection of its own (an upgraded connection is never pooled), TLS
 * checked against the connection's CA. `headers` are sent as given, with `Connection: Upgrade` and the client's
 * `Upgrade`.
 */
export function openUpstream(
  server: KubernetesTargetConfig,
  method: string,
  target: string,
  upgrade: string,
  headers: Record<string, string | string[]>,
  on: UpgradeEvents,
): { abort(): void } {
  const url = new URL(`${server.server}${target}`);
  let settled = false;
  const settle = () => {
    const first = !settled;
    settled = true;
    clearTimeout(timer);
    return first;
  };
  const req = https.request({
    protocol: 'https:',
    hostname: url.hostname,
    port: url.port || undefined,
    path: `${url.pathname}${url.search}`,
    method,
    headers: { ...headers, connection: 'Upgrade', upgrade },
    agent: false,
    ...(server.caCert ? { ca: server.caCert } : {}),
  });
  const timer = setTimeout(() => req.destroy(new Error(`no answer from the API server within ${server.connectTimeoutMs / 1000} s`)), server.connectTimeoutMs);
  req.on('upgrade', (res, socket, head) => {
    if (settle()) on.upgraded(res, socket, head);
    else socket.destroy();
  });
  req.on('response', (res) => {
    if (settle()) on.response(res);
    else res.destroy();
  });
  req.on('error', (err) => {
    const code = (err as NodeJS.ErrnoException).code;
    if (settle())
      on.failed(`hoop's agent could not reach the API server at ${url.origin}: ${err.message}${code && !err.message.includes(code) ? ` (${code})` : ''}`);
  });
  req.end();
  return {
    abort() {
      settle();
      req.destroy();
    },
  };
}

/** An answer's headers as an exchange head carries them: names in lower case, repeated ones joined. */
export function headersOf(res: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) if (v !== undefined && !k.startsWith('x-hoop-')) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}
