import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import type http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { parseDocument, stringify } from 'yaml';
import { localTls } from './connect-pg';

/**
 * `hoop connect` on a kubernetes connection: the local port speaks TLS with a certificate hoop makes (its CA kept
 * beside the CLI's config, as for Postgres), and a kubeconfig context points kubectl at it — the cluster entry trusts
 * that CA (`certificate-authority-data`, never `insecure-skip-tls-verify`), the user entry carries a token made for
 * this run, which the local port asks of every request so no other program or user of the machine rides the session.
 * The API server's own token stays on the agent; the agent drops the local one.
 */
export interface KubeFront {
  tls: { cert: string; key: string };
  caCert: string;
  /** the local port's bearer token for this run */
  token: string;
  check(req: http.IncomingMessage): string | null;
}

export async function kubeFront(configDir: string, host: string): Promise<KubeFront> {
  const { server, caCert } = await localTls(path.join(configDir, 'connect-tls'), host);
  const token = `hoop-local-${randomBytes(24).toString('base64url')}`;
  const want = Buffer.from(`Bearer ${token}`);
  return {
    tls: server,
    caCert,
    token,
    check(req) {
      const got = Buffer.from(req.headers.authorization ?? '');
      if (got.length === want.length && timingSafeEqual(got, want)) return null;
      return 'hoop connect: this port asks for the token of the kubeconfig hoop wrote for this run; use its context (kubectl --context hoop-NAME)';
    },
  };
}

/** A Kubernetes Status, as kubectl prints an API server's failures. */
export function kubeStatusBody(status: number, type: string, message: string): string {
  const reason = status === 401 ? 'Unauthorized' : status === 400 ? 'BadRequest' : status === 502 ? 'ServiceUnavailable' : 'InternalError';
  return JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    details: { causes: [{ reason: type }] },
    code: status,
  });
}

/** The kubeconfig hoop owns beside its config (merged, one context per connection), unless --kubeconfig names another. */
export function defaultKubeconfig(configDir: string): string {
  return path.join(configDir, 'kubeconfig');
}

/**
 * Writes (merging) the cluster, user and context `hoop-NAME` into the kubeconfig at `file`: other entries are kept
 * as they are; the file is written whole to a temporary file and renamed, readable by its owner only (it holds the
 * run's token). The context becomes the current one when the file has none.
 */
export async function writeKubeconfig(file: string, o: { name: string; host: string; port: number; caCert: string; token: string }): Promise<string> {
  const entry = `hoop-${o.name}`;
  const h = net.isIPv6(o.host) ? `[${o.host}]` : o.host === '0.0.0.0' || o.host === '::' ? '127.0.0.1' : o.host;
  let text: string | null = null;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const doc = text ? (parseDocument(text).toJS() as Record<string, unknown> | null) : null;
  if (doc !== null && (typeof doc !== 'object' || Array.isArray(doc))) throw new Error(`${file} is not a kubeconfig (a YAML mapping)`);
  const config: Record<string, unknown> = doc ?? {};
  config.apiVersion ??= 'v1';
  config.kind ??= 'Config';
  const upsert = (key: 'clusters' | 'users' | 'contexts', value: Record<string, unknown>) => {
    const list = Array.isArray(config[key]) ? (config[key] as { name?: unknown }[]).filter((e) => e?.name !== entry) : [];
    list.push({ name: entry, ...value });
    config[key] = list;
  };
  upsert('clusters', { cluster: { server: `https://${h}:${o.port}`, 'certificate-authority-data': Buffer.from(o.caCert).toString('base64') } });
  upsert('users', { user: { token: o.token } });
  upsert('contexts', { context: { cluster: entry, user: entry } });
  if (!config['current-context']) config['current-context'] = entry;
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, stringify(config), { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, file);
  return entry;
}
