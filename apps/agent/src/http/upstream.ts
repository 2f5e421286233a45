import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { type ResponseHead, whenDrained } from '@hoop/httpwire';
import type { HttpTargetConfig } from '@hoop/protocol';

/** Headers of one hop (RFC 9110 §7.6.1), never forwarded either way. */
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'host', 'http2-settings']);
/** The client's own credentials and hoop's headers: the client never holds the API's credential, and never sends one. */
const CLIENT_ONLY = new Set(['authorization', 'proxy-authorization', 'cookie', 'x-api-key', 'x-hoop-reason']);

/** The request headers the trail keeps. */
const RECORDED = ['content-type', 'accept', 'user-agent', 'content-length', 'x-request-id', 'idempotency-key'];

/** What the API is sent: the client's headers minus hop-by-hop ones, credentials and headers named in `connection`. */
export function forwardedHeaders(client: Record<string, string>, config: HttpTargetConfig, secret: string | null): Record<string, string> {
  const named = new Set((client.connection ?? '').split(',').map((h) => h.trim().toLowerCase()));
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(client)) {
    if (HOP.has(k) || CLIENT_ONLY.has(k) || named.has(k) || k === config.authHeader) continue;
    out[k] = v;
  }
  // the answer is read to be masked: no compression asked for
  out['accept-encoding'] = 'identity';
  if (secret !== null) {
    if (config.authType === 'bearer') out.authorization = `Bearer ${secret}`;
    else if (config.authType === 'header' && config.authHeader) out[config.authHeader] = secret;
    else if (config.authType === 'basic') out.authorization = `Basic ${Buffer.from(`${config.authUser}:${secret}`).toString('base64')}`;
  }
  return out;
}

export function recordedHeaders(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of RECORDED) if (h[k] !== undefined) out[k] = h[k].slice(0, 300);
  return out;
}

export interface TargetResponse {
  head: ResponseHead;
  /** the body, decompressed when the API compressed it anyway (gzip, deflate, br); `encoding` names one it could not */
  body: Readable;
  unreadableEncoding: string | null;
}

export interface TargetCall {
  write(chunk: Buffer): boolean;
  onDrain(fn: () => void): void;
  end(body?: Buffer): void;
  abort(): void;
}

/** Headers as sent: a header given more than once is a list of its values (Kubernetes' Impersonate-Group). */
export type OutgoingHeaders = Record<string, string | string[]>;

export interface Target {
  readonly origin: string;
  call(method: string, path: string, headers: OutgoingHeaders, on: { response(r: TargetResponse): void; failed(message: string): void }): TargetCall;
}

/** Kept-alive connections to targets, shared by an agent's sessions: one https agent per CA. */
export function keptAliveAgents(): { http: http.Agent; https: (ca: string | undefined) => https.Agent } {
  const plain = new http.Agent({ keepAlive: true });
  const secure = new Map<string, https.Agent>();
  return {
    http: plain,
    https(ca) {
      const key = ca ?? '';
      let a = secure.get(key);
      if (!a) {
        a = new https.Agent({ keepAlive: true, ...(ca ? { ca } : {}) });
        if (secure.size > 50) secure.clear();
        secure.set(key, a);
      }
      return a;
    },
  };
}

/** the most of a request body kept to send it again (a body streamed past it is not sent twice) */
export const RESENT_BODY = 1024 * 1024;

/** An API's answer as the exchange reads it: hop-by-hop and hoop's own headers dropped, a compressed body decompressed. */
function targetResponse(res: http.IncomingMessage): TargetResponse {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) {
    // hoop's own answer headers are hoop's: an API cannot pass for hoop
    if (v === undefined || HOP.has(k) || k.startsWith('x-hoop-')) continue;
    out[k] = Array.isArray(v) ? (k === 'set-cookie' ? v.join('\n') : v.join(', ')) : v;
  }
  const encoding = (out['content-encoding'] ?? '').trim().toLowerCase();
  let body: Readable = res;
  let unreadableEncoding: string | null = null;
  if (encoding && encoding !== 'identity') {
    const z =
      encoding === 'gzip' || encoding === 'x-gzip'
        ? zlib.createGunzip()
        : encoding === 'deflate'
          ? zlib.createInflate()
          : encoding === 'br'
            ? zlib.createBrotliDecompress()
            : null;
    if (z) {
      res.on('error', (e) => z.destroy(e));
      body = res.pipe(z);
      delete out['content-encoding'];
      delete out['content-length'];
    } else unreadableEncoding = encoding;
  }
  return { head: { status: res.statusCode ?? 502, headers: out }, body, unreadableEncoding };
}

/**
 * The API of an http connection, reached with kept-alive connections (per connection settings, with its CA). */
export function httpTarget(config: HttpTargetConfig, agents: { http: http.Agent; https: (ca: string | undefined) => https.Agent }): Target {
  const base = new URL(config.baseUrl);
  const tls = base.protocol === 'https:';
  const client = tls ? https : http;
  const agent = tls ? agents.https(config.caCert) : agents.http;
  const prefix = base.pathname === '/' ? '' : base.pathname;
  return {
    origin: base.origin,
    call(method, path, headers, on) {
      let settled = false;
      const fail = (message: string) => {
        if (settled) return;
        settled = true;
        on.failed(message);
      };
      // the body as written, kept until an answer starts (up to RESENT_BODY): a kept-alive connection the API closed
      // just as it was reused fails before the API read anything, and the request is sent again once on a new one
      let kept: Buffer[] | null = [];
      let keptBytes = 0;
      let ended = false;
      let retried = false;
      let timer: NodeJS.Timeout | undefined;
      const send = (fresh: boolean): http.ClientRequest => {
        const req = client.request({
          protocol: base.protocol,
          hostname: base.hostname,
          port: base.port || undefined,
          method,
          path: `${prefix}${path}`,
          headers,
          // the second try never reuses a kept-alive connection
          agent: fresh ? false : agent,
          ...(fresh && tls && config.caCert ? { ca: config.caCert } : {}),
        });
        timer = setTimeout(() => req.destroy(new Error(`no connection within ${config.connectTimeoutMs / 1000} s`)), config.connectTimeoutMs);
        req.once('socket', (s) => {
          if (!s.connecting) clearTimeout(timer);
          else s.once(tls ? 'secureConnect' : 'connect', () => clearTimeout(timer));
        });
        req.on('response', (res) => {
          clearTimeout(timer);
          if (current !== req) return void res.destroy();
          settled = true;
          kept = null;
          on.response(targetResponse(res));
        });
        req.on('error', (err) => {
          clearTimeout(timer);
          if (settled || current !== req) return;
          const code = (err as NodeJS.ErrnoException).code;
          if (!retried && ended && kept && req.reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE')) {
            retried = true;
            const body = Buffer.concat(kept);
            kept = null;
            current = send(true);
            current.end(body);
            return;
          }
          fail(`hoop's agent could not reach ${base.origin}: ${err.message}${code && !err.message.includes(code) ? ` (${code})` : ''}`);
        });
        return req;
      };
      const keep = (chunk: Buffer) => {
        if (!kept) return;
        keptBytes += chunk.length;
        if (keptBytes > RESENT_BODY) kept = null;
        else kept.push(chunk);
      };
      let current = send(false);
      return {
        write(chunk) {
          keep(chunk);
          return current.write(chunk);
        },
        onDrain: (fn) => whenDrained(current, fn),
        end(b) {
          ended = true;
          if (b) keep(b);
          if (b) current.end(b);
          else current.end();
        },
        abort() {
          settled = true;
          clearTimeout(timer);
          current.destroy();
        },
      };
    },
  };
}
