/**
 * A bare TCP relay: one Node process, each accepted connection piped to the next hop and back, no parsing. Chained in
 * front of Postgres by `bench/pgbench.ts`, it is the floor a Node hop costs (what hoop's hops cannot beat).
 *   node bench/tcp-relay.mjs LISTEN_PORT TARGET_PORT [TARGET_HOST] [--tls CERT_FILE KEY_FILE]
 * With `--tls` it also speaks TLS to its clients as a Postgres server does (SSLRequest answered `S`, then the
 * handshake; a client that asks for no TLS is relayed as it is), and plain TCP to the next hop: the floor of a hop
 * with TLS on the client's side, like the gateway's Postgres listener.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';

const args = process.argv.slice(2);
const tlsAt = args.indexOf('--tls');
const secureContext = tlsAt >= 0 ? tls.createSecureContext({ cert: readFileSync(args[tlsAt + 1]), key: readFileSync(args[tlsAt + 2]) }) : null;
const [listenPort, targetPort, targetHost = '127.0.0.1'] = tlsAt >= 0 ? args.slice(0, tlsAt) : args;
const SSL_REQUEST = 80877103;

const relay = (client, upstream) => {
  client.pipe(upstream);
  upstream.pipe(client);
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
};

const server = net.createServer((client) => {
  client.setNoDelay(true);
  const upstream = net.connect(Number(targetPort), targetHost);
  upstream.setNoDelay(true);
  if (!secureContext) return relay(client, upstream);
  upstream.on('error', () => client.destroy());
  client.on('error', () => upstream.destroy());
  // the client sends nothing more until it has the answer to its SSLRequest
  client.once('data', (first) => {
    client.pause();
    if (first.length === 8 && first.readInt32BE(4) === SSL_REQUEST) {
      client.write('S');
      const secure = new tls.TLSSocket(client, { isServer: true, secureContext });
      secure.setNoDelay?.(true);
      relay(secure, upstream);
      return;
    }
    upstream.write(first);
    relay(client, upstream);
    client.resume();
  });
});
server.listen(Number(listenPort), '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => process.exit(0));
