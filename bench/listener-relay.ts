/**
 * CPU per round trip of the gateway listener's relay, in one process: a TLS socket (the client's, as the listener's
 * front door hands it over) tied to a tunnel stream whose far end echoes, either with stream pipes (socket.pipe(stream),
 * stream.pipe(socket): how the listener relayed until now) or with TunnelStream.relaySocket. The client, its TLS and
 * the in-memory tunnel are the same in both; only the relay differs. Measured by CPU time, not wall time, so a loaded
 * machine moves the figures less. Modes alternate, ROUNDS (default 4) of each; ROUND_TRIPS (default 4000) each.
 * PLAIN=1 leaves TLS out (the relay's own cost shows more clearly; the difference is what TLS costs both ends).
 *   node --import tsx bench/listener-relay.ts
 */
import net from 'node:net';
import tls from 'node:tls';
import { generateServerTls } from '../packages/pgfront/src/tls-cert';
import type { TunnelStream } from '../packages/protocol/src/stream';
import { pair } from '../packages/protocol/src/tunnel-pair';

const rounds = Number(process.env.ROUNDS ?? 4);
const plain = process.env.PLAIN === '1';
const roundTrips = Number(process.env.ROUND_TRIPS ?? 4000);
const made = await generateServerTls(['localhost']);
const secureContext = tls.createSecureContext({ cert: made.cert, key: made.key });
// a pgbench -S prepared round: Bind/Execute/Sync out (about 60 bytes), a row and its completion back (about 80)
const query = Buffer.alloc(60, 1);
const answerSize = 80;

async function measure(mode: 'pipe' | 'relay'): Promise<number> {
  const { a } = pair({}, { onOpen: (o) => echo(o.accept()) });
  const { stream } = await a.openStream({ connection: 'x', mode: 'connect' });
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
  const port = (server.address() as net.AddressInfo).port;
  const client = plain ? net.connect(port, '127.0.0.1') : tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false });
  client.setNoDelay(true);
  const raw = await accepted;
  raw.setNoDelay(true);
  const secure = plain ? raw : new tls.TLSSocket(raw, { isServer: true, secureContext });
  if (!plain) await new Promise((r) => client.once('secureConnect', r));
  if (mode === 'pipe') {
    secure.pipe(stream);
    stream.pipe(secure);
  } else stream.relaySocket(secure, null);
  let got = 0;
  let wake: (() => void) | null = null;
  client.on('data', (d: Buffer) => {
    got += d.length;
    wake?.();
  });
  const trip = async () => {
    const want = got + answerSize;
    client.write(query);
    while (got < want) await new Promise<void>((r) => (wake = r));
  };
  for (let i = 0; i < 200; i++) await trip();
  const before = process.cpuUsage();
  for (let i = 0; i < roundTrips; i++) await trip();
  const cpu = process.cpuUsage(before);
  client.destroy();
  secure.destroy();
  server.close();
  return (cpu.user + cpu.system) / roundTrips;
}

/** the far end: every query answered with answerSize bytes, as the agent answers */
function echo(s: TunnelStream): void {
  const answer = Buffer.alloc(answerSize, 2);
  s.on('data', () => s.write(answer));
}

const results: Record<string, number[]> = { pipe: [], relay: [] };
for (let i = 0; i < rounds; i++) {
  for (const mode of ['pipe', 'relay'] as const) results[mode]!.push(await measure(mode));
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor((xs.length - 1) / 2)]!;
for (const [mode, xs] of Object.entries(results)) {
  console.log(`${mode}: ${xs.map((x) => x.toFixed(1)).join(' / ')} µs CPU a round trip, median ${median(xs).toFixed(1)}`);
}
