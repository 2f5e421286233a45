import { type ChildProcessWithoutNullStreams, spawnSync } from 'node:child_process';
import net from 'node:net';
import { extraKubectls } from '../env';
import { findBinary } from '../tools';

export interface KubectlBinary {
  path: string;
  /** the client's minor version (20 for Debian's kubernetes-client, 32 for a 1.32) */
  minor: number;
}

/** Where kubectl builds are found besides PATH: Debian's (kubernetes-client) and the Cloud SDK's versioned ones. */
const CANDIDATES = ['kubectl', '/usr/bin/kubectl', ...[33, 32, 31, 30].map((m) => `/usr/lib/google-cloud-sdk/bin/kubectl.1.${m}`)];

let found: KubectlBinary[] | null = null;

/**
 * The kubectl builds on this machine whose version can be read, one per minor version, oldest first; those named in
 * HOOP_TEST_KUBECTL first (Debian's 1.20 unpacked beside a newer one: `dpkg -x kubernetes-client_*.deb DIR`).
 */
export function kubectlBinaries(): KubectlBinary[] {
  if (found) return found;
  const byMinor = new Map<number, KubectlBinary>();
  for (const c of [...extraKubectls(), ...CANDIDATES]) {
    const path = findBinary(c);
    if (!path) continue;
    const r = spawnSync(path, ['version', '--client', '-o', 'json'], { encoding: 'utf8', timeout: 30_000 });
    const minor = Number.parseInt((/"minor":\s*"(\d+)/.exec(r.stdout ?? '') ?? [])[1] ?? '', 10);
    if (r.status === 0 && Number.isFinite(minor) && !byMinor.has(minor)) byMinor.set(minor, { path, minor });
  }
  found = [...byMinor.values()].sort((a, b) => a.minor - b.minor);
  return found;
}

/** A kubeconfig (JSON, which kubectl reads as YAML) for one server: its CA, a bearer token, a default namespace. */
export function kubeconfigFor(o: { server: string; caPem: string; token: string; namespace?: string; name?: string }): string {
  const name = o.name ?? 'hoop-testkit';
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: o.server, 'certificate-authority-data': Buffer.from(o.caPem).toString('base64') } }],
    users: [{ name, user: { token: o.token } }],
    contexts: [{ name, context: { cluster: name, user: name, namespace: o.namespace ?? 'default' } }],
    'current-context': name,
  });
}

/**
 * Through a running `kubectl port-forward … :<remote>`: waits for the local port it prints, writes `text` there and
 * waits for the whole upper-cased echo (what the tests' echo servers behind `remote` send back), then ends the connection.
 */
export async function echoThroughPortForward(child: Pick<ChildProcessWithoutNullStreams, 'stdout'>, remote: number, text: string): Promise<void> {
  let out = '';
  const port = await new Promise<number>((resolve) =>
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = new RegExp(`127\\.0\\.0\\.1:(\\d+) -> ${remote}\\b`).exec(out);
      if (m) resolve(Number(m[1]));
    }),
  );
  const sock = net.connect(port, '127.0.0.1');
  let got = '';
  await new Promise<void>((resolve) => {
    sock.on('data', (d: Buffer) => {
      got += d.toString();
      if (got === text.toUpperCase()) resolve();
    });
    sock.write(text);
  });
  sock.end();
}
