import type { IncomingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import type { KubeUpgradeRequest } from '../upgrade-hook';
import type { TapOptions } from './channels';
import { queryFlag } from './exec-command';
import { SPDY_READ_PROTOCOLS, SpdyChannelTap } from './spdy-channels';
import { PORTFORWARD_PROTOCOL, PortForwardTap } from './spdy-portforward';

/** What an UpgradeExchange asks of the SPDY readers (spdy-channels.ts, spdy-portforward.ts): kept apart from it. */

const offered = (header: string | string[] | undefined): string[] =>
  (Array.isArray(header) ? header : [header ?? ''])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);

/** The stream protocols hoop offers the API server for a SPDY upgrade: those of the client's it reads. */
export function spdyProtocols(header: string | string[] | undefined, verb: string): string | undefined {
  if (header === undefined) return undefined;
  const read = verb === 'portforward' ? [PORTFORWARD_PROTOCOL] : SPDY_READ_PROTOCOLS;
  return offered(header)
    .filter((p) => read.includes(p))
    .join(', ');
}

/**
 * Why an upgrade cannot be read, or null: exec and attach go over WebSocket or SPDY/3.1 only (any other Upgrade —
 * `websocket, SPDY/3.1` — would be relayed unread), and over SPDY with a stream protocol hoop reads.
 */
export function unreadableUpgrade(headers: IncomingHttpHeaders, verb: string): string | null {
  const upgrade = (headers.upgrade ?? '').trim().toLowerCase();
  if ((verb === 'exec' || verb === 'attach') && upgrade !== 'websocket' && upgrade !== 'spdy/3.1')
    return `${verb} through hoop goes over WebSocket or SPDY/3.1, not "${upgrade.slice(0, 40)}"`;
  if (upgrade !== 'spdy/3.1') return null;
  if (verb !== 'exec' && verb !== 'attach' && verb !== 'portforward') return `hoop reads SPDY upgrades of exec, attach and portforward only, not ${verb}`;
  if (spdyProtocols(headers['x-stream-protocol-version'], verb)) return null;
  const read = verb === 'portforward' ? PORTFORWARD_PROTOCOL : SPDY_READ_PROTOCOLS.join(', ');
  return `over SPDY hoop reads the stream protocols ${read}, and the client offered none of them`;
}

/** exec or attach over SPDY: the tap, its refused streams recorded */
export function spdyChannelTap(u: KubeUpgradeRequest, options: TapOptions, result: Record<string, unknown>): SpdyChannelTap {
  return new SpdyChannelTap(options, { stdin: queryFlag(u.request.query, 'stdin'), tty: queryFlag(u.request.query, 'tty') }, (type, reason) =>
    refused(u, result, type, reason),
  );
}

/** port-forward over SPDY or its WebSocket tunnel */
export function portForwardTap(
  u: KubeUpgradeRequest,
  tunnel: boolean,
  socket: Duplex,
  result: Record<string, unknown>,
  io: { toClient(b: Buffer): boolean; toServer(b: Buffer): void },
): PortForwardTap {
  return new PortForwardTap({
    ...io,
    tunnel,
    maskAudit: (t) => u.ctx.hooks.maskAudit(t),
    refused: (type, reason) => refused(u, result, type, reason),
    broken: (message) => {
      result.error = message;
      socket.destroy();
    },
  });
}

function refused(u: KubeUpgradeRequest, result: Record<string, unknown>, type: string, reason: string): void {
  const list = (result.refusedStreams ??= []) as { type: string; reason: string }[];
  if (list.length < 20) list.push({ type: u.ctx.hooks.maskAudit(type.slice(0, 40)), reason });
}
