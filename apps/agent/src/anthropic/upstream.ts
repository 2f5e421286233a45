import http from 'node:http';
import https from 'node:https';
import { type RequestHead, type ResponseHead, whenDrained } from '@hoop/httpwire';
import type { AnthropicConfig } from '@hoop/protocol';

/** Headers that belong to one hop, never forwarded either way (RFC 9110 §7.6.1), and the client's own credentials. */
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'host']);
const CREDENTIALS = new Set(['authorization', 'x-api-key', 'proxy-authorization', 'cookie']);

/** The request headers the trail keeps: which API version and features were asked for, and by which client. */
const RECORDED_HEADERS = ['anthropic-version', 'anthropic-beta', 'user-agent', 'x-app'];

function recorded(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of RECORDED_HEADERS) if (headers[k] !== undefined) out[k] = headers[k].slice(0, 500);
  return out;
}

export interface CallHandlers {
  response(head: ResponseHead): void;
  /** a piece of the body; `pause` stops the API's response until the function it is given is called back */
  data(chunk: Buffer, pause: (until: (resume: () => void) => void) => void): void;
  end(): void;
  /** the API could not be reached or the exchange broke off; `headSent`: the response head already went to the client */
  failed(message: string, headSent: boolean): void;
}

export interface UpstreamCall {
  write(chunk: Buffer): boolean;
  onDrain(fn: () => void): void;
  end(): void;
  abort(): void;
  /** the request as sent, for the trail: method, path, and the headers that say which API and client it is */
  describe(): { method: string; path: string; headers: Record<string, string> };
}

export interface Upstream {
  call(head: RequestHead, h: CallHandlers): UpstreamCall;
}

/** An API-shaped error answer (as the Messages API words its own), for failures of hoop's part of the path. */
export function apiError(status: number, type: string, message: string): { head: ResponseHead; body: Buffer } {
  const body = Buffer.from(JSON.stringify({ type: 'error', error: { type, message } }));
  return { head: { status, headers: { 'content-type': 'application/json', 'content-length': String(body.length) } }, body };
}

/**
 * The model API as the agent reaches it: each request goes to `config.baseUrl` + its path with every header the client
 * sent except hop-by-hop ones and the client's credentials, plus the org's key as `x-api-key`. The response is asked
 * for without compression (`accept-encoding: identity`) so the agent can read what it relays; the rest comes back as
 * the API sent it. Connections are kept alive and reused.
 */
export function anthropicUpstream(config: AnthropicConfig, apiKey: string, agents: { http: http.Agent; https: https.Agent }): Upstream {
  const base = new URL(config.baseUrl);
  const client = base.protocol === 'https:' ? https : http;
  const agent = base.protocol === 'https:' ? agents.https : agents.http;
  return {
    call(head, h) {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(head.headers)) if (!HOP.has(k) && !CREDENTIALS.has(k)) headers[k] = v;
      headers['accept-encoding'] = 'identity';
      headers['x-api-key'] = apiKey;
      const path = `${base.pathname === '/' ? '' : base.pathname}${head.path}`;
      let headSent = false;
      let settled = false;
      // what was written, kept until an answer starts: a kept-alive connection the API closed as it was reused fails
      // before the API read anything, and the request is sent again once on a new one (as browsers and curl do)
      let written: Buffer[] | null = [];
      let ended = false;
      let retried = false;
      let connectTimer: NodeJS.Timeout | undefined;
      const send = (): http.ClientRequest => {
        const req = client.request({
          protocol: base.protocol,
          hostname: base.hostname,
          port: base.port || undefined,
          method: head.method,
          path,
          headers,
          agent,
        });
        connectTimer = setTimeout(
          () => req.destroy(new Error(`no connection to ${base.host} within ${config.connectTimeoutMs / 1000} s`)),
          config.connectTimeoutMs,
        );
        req.once('socket', (s) => {
          if (!s.connecting) clearTimeout(connectTimer);
          else s.once('connect', () => clearTimeout(connectTimer));
        });
        req.on('response', (res) => {
          clearTimeout(connectTimer);
          written = null;
          const out: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) {
            if (v === undefined || HOP.has(k)) continue;
            out[k] = Array.isArray(v) ? v.join(', ') : v;
          }
          headSent = true;
          h.response({ status: res.statusCode ?? 502, headers: out });
          res.on('data', (chunk: Buffer) =>
            h.data(chunk, (until) => {
              res.pause();
              until(() => res.resume());
            }),
          );
          res.on('end', () => {
            if (settled) return;
            settled = true;
            h.end();
          });
          res.on('error', (err) => {
            if (settled) return;
            settled = true;
            h.failed(`the model API's answer broke off: ${err.message}`, true);
          });
          res.on('close', () => {
            if (settled || res.complete) return;
            settled = true;
            h.failed("the model API's answer broke off", true);
          });
        });
        req.on('error', (err) => {
          clearTimeout(connectTimer);
          if (settled || current !== req) return;
          const code = (err as NodeJS.ErrnoException).code;
          if (!retried && !headSent && written && req.reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE')) {
            retried = true;
            current = send();
            for (const chunk of written) current.write(chunk);
            if (ended) current.end();
            return;
          }
          settled = true;
          h.failed(
            `hoop's agent could not reach the model API at ${base.origin}: ${err.message}${code && !err.message.includes(code) ? ` (${code})` : ''}`,
            headSent,
          );
        });
        return req;
      };
      let current = send();
      return {
        write(chunk) {
          written?.push(chunk);
          return current.write(chunk);
        },
        onDrain: (fn) => whenDrained(current, fn),
        end() {
          ended = true;
          current.end();
        },
        abort() {
          settled = true;
          clearTimeout(connectTimer);
          current.destroy();
        },
        describe: () => ({ method: head.method, path: head.path, headers: recorded(headers) }),
      };
    },
  };
}
