import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleApi } from './api';

/** The API as the gateway serves it, with `deps`, on a free loopback port (an unexpected error answered 500 saying what it was). */
export async function serveApi(deps: Parameters<typeof handleApi>[0]): Promise<{ server: Server; base: string }> {
  const server = createServer((req, res) => {
    handleApi(deps, req, res).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `unexpected: ${err.message}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
