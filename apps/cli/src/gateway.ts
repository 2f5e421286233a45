import WebSocket from 'ws';
import {
  CAPABILITIES,
  EXIT,
  MAX_TEXT_FRAME,
  messageBytes,
  OpenError,
  PROTOCOL_VERSION,
  Tunnel,
  type TunnelStream,
  webSocketTransport,
  zeroMask,
} from '@hoop/protocol';
import type { CliConfig } from './config';
import { CliError, unreachable, usage } from './errors';

export const CLI_VERSION = '0.1.0';

function wsUrl(base: string, path: string): string {
  return `${base.replace(/^http/, 'ws').replace(/\/$/, '')}${path}`;
}

function describeNetworkError(err: unknown, url: string): CliError {
  const code = (err as NodeJS.ErrnoException).code ?? (err as { cause?: NodeJS.ErrnoException }).cause?.code;
  return unreachable(`cannot reach the gateway at ${url}${code ? ` (${code})` : ''}; is it running?`);
}

/** JSON API of the gateway for the CLI. */
export async function api<T>(config: CliConfig, path: string, init: { method?: string; body?: unknown; raw?: boolean; timeoutMs?: number } = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${config.gatewayUrl.replace(/\/$/, '')}${path}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${config.token}`, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      signal: AbortSignal.timeout(init.timeoutMs ?? 15_000),
    });
  } catch (err) {
    if ((err as Error).name === 'TimeoutError')
      throw unreachable(`the gateway at ${config.gatewayUrl} did not answer within ${(init.timeoutMs ?? 15_000) / 1000} s`);
    throw describeNetworkError(err, config.gatewayUrl);
  }
  if (res.status === 401) throw usage('the gateway refused your token (expired or revoked?); run `hoop login` again');
  if (init.raw && res.ok) return (await res.text()) as T;
  const body = (await res.json().catch(() => ({}))) as T & { error?: string };
  if (!res.ok) throw new CliError(res.status < 500 ? EXIT.usage : EXIT.unreachable, body.error ?? `gateway answered HTTP ${res.status}`);
  return body;
}

export interface GatewayLink {
  user: string;
  open(
    connection: string,
    mode: 'connect' | 'exec' | 'mcp',
    clientInfo?: Record<string, string>,
  ): Promise<{ stream: TunnelStream; sessionId?: string; type?: string; limits?: { maxRows: number; maxBytes: number } }>;
  close(): void;
  onClose(fn: () => void): void;
}

/** One WebSocket to the gateway carrying every session this process opens. */
export function connectGateway(config: CliConfig): Promise<GatewayLink> {
  const url = wsUrl(config.gatewayUrl, '/client');
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, {
      headers: { authorization: `Bearer ${config.token}` },
      maxPayload: MAX_TEXT_FRAME,
      perMessageDeflate: false,
      generateMask: zeroMask,
      handshakeTimeout: 10_000,
    });
    let settled = false;
    const closeHandlers: (() => void)[] = [];
    const fail = (e: CliError) => {
      if (settled) return;
      settled = true;
      ws.terminate();
      reject(e);
    };
    const tunnel = new Tunnel(webSocketTransport(ws), true, {
      onMessage: (msg) => {
        if (msg.type === 'welcome' && !settled) {
          settled = true;
          resolve({
            user: msg.payload.identity.name,
            async open(connection, mode, clientInfo) {
              try {
                const { stream, opened } = await tunnel.openStream({ connection, mode, ...(clientInfo ? { clientInfo } : {}) });
                return { stream, sessionId: opened.sessionId, type: opened.connectionType, limits: opened.limits };
              } catch (err) {
                if (err instanceof OpenError) {
                  const code =
                    err.code === 'forbidden' || err.code === 'rate_limited' || err.code === 'approval_required'
                      ? EXIT.blocked
                      : err.code === 'not_found' || err.code === 'bad_config'
                        ? EXIT.usage
                        : EXIT.unreachable;
                  throw new CliError(code, err.message);
                }
                throw err;
              }
            },
            close: () => ws.close(1000, 'done'),
            onClose: (fn) => closeHandlers.push(fn),
          });
        } else if (msg.type === 'ping') tunnel.send('pong', msg.payload);
      },
    });
    ws.on('open', () =>
      tunnel.send('hello', { role: 'client', version: PROTOCOL_VERSION, capabilities: [...CAPABILITIES], software: `hoop-cli/${CLI_VERSION}` }),
    );
    ws.on('message', (data, isBinary) => {
      const buf = messageBytes(data);
      if (isBinary) tunnel.handleBinary(buf);
      else tunnel.handleText(buf.toString('utf8'));
    });
    ws.on('unexpected-response', (_req, res) => {
      fail(
        res.statusCode === 401
          ? usage('the gateway refused your token (expired or revoked?); run `hoop login` again')
          : unreachable(`the gateway answered HTTP ${res.statusCode}`),
      );
    });
    ws.on('error', (err) => fail(describeNetworkError(err, config.gatewayUrl)));
    ws.on('close', () => {
      tunnel.shutdown('gateway connection lost');
      fail(unreachable('the gateway closed the connection'));
      for (const fn of closeHandlers) fn();
    });
  });
}
