/** Bare TCP relays (bench/tcp-relay.mjs) chained in front of a server: the floor a hop of Node costs. */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { freePort } from '@hoop/devstack';

export interface RelayChain {
  /** the port of the first relay (the one a client connects to) */
  port: number;
  /** the relays' processes, first hop last */
  pids: number[];
  stop(): void;
}

/** `hops` relays in front of `host:port`; with `tls` the first one a client meets speaks TLS to it (see tcp-relay.mjs). */
export async function startRelayChain(host: string, port: number, hops: number, tls?: { cert: string; key: string }): Promise<RelayChain> {
  const children: ChildProcess[] = [];
  let next = port;
  try {
    for (let i = 0; i < hops; i++) {
      const listen = await freePort();
      const withTls = tls && i === hops - 1 ? ['--tls', tls.cert, tls.key] : [];
      const child = spawn(process.execPath, [path.join(import.meta.dirname, 'tcp-relay.mjs'), String(listen), String(next), host, ...withTls], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      children.push(child);
      await new Promise<void>((resolve, reject) => {
        child.stdout!.once('data', () => resolve());
        child.once('exit', (code) => reject(new Error(`relay exited with ${code}`)));
      });
      next = listen;
    }
  } catch (err) {
    for (const c of children) c.kill();
    throw err;
  }
  return { port: next, pids: children.map((c) => c.pid!), stop: () => children.forEach((c) => c.kill()) };
}
