import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SlackCall {
  method: string;
  token: string | null;
  args: Record<string, unknown>;
}

/**
 * A local HTTP server that answers the Slack Web API methods hoop uses, with Slack's response shapes, and records every
 * call. Point the gateway at it with HOOP_SLACK_API_URL.
 */
export async function startFakeSlack(users: Record<string, string>): Promise<{ url: string; calls: SlackCall[]; close(): Promise<void> }> {
  const calls: SlackCall[] = [];
  let ts = 1_700_000_000;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0]!;
      const raw = Buffer.concat(chunks).toString('utf8');
      let args: Record<string, unknown> = {};
      if ((req.headers['content-type'] ?? '').includes('application/json')) args = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      else {
        for (const [k, v] of new URLSearchParams(raw)) {
          try {
            args[k] = v.startsWith('[') || v.startsWith('{') ? JSON.parse(v) : v;
          } catch {
            args[k] = v;
          }
        }
      }
      const auth = req.headers.authorization ?? null;
      const token = auth?.replace(/^Bearer /, '') ?? (typeof args.token === 'string' ? args.token : null);
      calls.push({ method, token, args });
      const send = (body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (token !== 'xoxb-test-token') return send({ ok: false, error: 'invalid_auth' });
      switch (method) {
        case 'chat.postMessage':
          return send({ ok: true, channel: `C${String(args.channel).replace(/\W/g, '').toUpperCase()}`, ts: `${ts++}.000100`, message: { text: args.text } });
        case 'chat.update':
          return send({ ok: true, channel: args.channel, ts: args.ts, text: args.text });
        case 'chat.postEphemeral':
          return send({ ok: true, message_ts: `${ts++}.000200` });
        case 'views.open':
          return send({ ok: true, view: { id: 'V1' } });
        case 'users.info': {
          const email = users[String(args.user)];
          return email ? send({ ok: true, user: { id: args.user, profile: { email } } }) : send({ ok: false, error: 'user_not_found' });
        }
        case 'users.lookupByEmail': {
          const id = Object.entries(users).find(([, e]) => e === args.email)?.[0];
          return id ? send({ ok: true, user: { id } }) : send({ ok: false, error: 'users_not_found' });
        }
        default:
          return send({ ok: false, error: 'unknown_method' });
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/api/`,
    calls,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
