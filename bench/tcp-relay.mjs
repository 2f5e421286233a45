/**
 * A bare TCP relay: one Node process, each accepted connection piped to the next hop and back, no parsing. Chained in
 * front of Postgres by `bench/pgbench.ts`, it is the floor a Node hop costs (what hoop's hops cannot beat).
 *   node bench/tcp-relay.mjs LISTEN_PORT TARGET_PORT [TARGET_HOST]
 */
import net from 'node:net';

const [listenPort, targetPort, targetHost = '127.0.0.1'] = process.argv.slice(2);
const server = net.createServer((client) => {
  client.setNoDelay(true);
  const upstream = net.connect(Number(targetPort), targetHost);
  upstream.setNoDelay(true);
  client.pipe(upstream);
  upstream.pipe(client);
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
});
server.listen(Number(listenPort), '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => process.exit(0));
