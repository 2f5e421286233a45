import { readFileSync } from 'node:fs';
import net from 'node:net';
import { testWorkerIndex } from './env';

/**
 * Ports for services a test starts as other processes. A port the kernel hands out for `listen(0)` comes from its
 * ephemeral range, the same range every outgoing connection takes its local port from: between the check here and
 * the service's own `listen`, a connection from anywhere on the machine (a test's client, a Postgres backend, the
 * package manager) may take it, and the service fails with EADDRINUSE. So ports are chosen below (or above) that
 * range, where the kernel never assigns one by itself, and each test worker (vitest's pool id, Playwright's worker
 * index) takes them from a slice of its own, so two workers checking at the same moment do not pick the same one.
 */
const SLICES = 16;
const handedOut = new Set<number>();
let next = -1;

/** The kernel's ephemeral range (Linux); the usual one elsewhere. */
export function ephemeralRange(text?: string): [number, number] {
  try {
    const m = /^(\d+)\s+(\d+)/.exec(text ?? readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8'));
    if (m) return [Number(m[1]), Number(m[2])];
  } catch {
    // not Linux: IANA's dynamic range
  }
  return [49152, 65535];
}

/** The range test services take their ports from: the larger of the gaps below and above the ephemeral range. */
export function servicePortRange(ephemeral = ephemeralRange()): [number, number] {
  const below: [number, number] = [10_000, ephemeral[0] - 1];
  const above: [number, number] = [ephemeral[1] + 1, 65_535];
  return below[1] - below[0] >= above[1] - above[0] ? below : above;
}

function workerIndex(): number {
  return testWorkerIndex() ?? process.pid;
}

/** A port nothing listens on now, outside the ephemeral range, not handed out before by this process. */
export async function freePort(): Promise<number> {
  const [lo, hi] = servicePortRange();
  const sliceSize = Math.floor((hi - lo + 1) / SLICES);
  if (sliceSize >= 64) {
    const base = lo + (workerIndex() % SLICES) * sliceSize;
    if (next < 0) next = Math.floor(Math.random() * sliceSize);
    for (let tries = 0; tries < sliceSize; tries++) {
      const port = base + (next++ % sliceSize);
      if (handedOut.has(port)) continue;
      if ((await portIsFree(port)) && (await portIsFree(port, '::1'))) {
        handedOut.add(port);
        return port;
      }
    }
  }
  return kernelPort();
}

function kernelPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Whether a listener can bind `port` on `host` now (a host this machine lacks, such as ::1 without IPv6, counts as free). */
export async function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'EADDRNOTAVAIL' || e.code === 'EAFNOSUPPORT'));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}
