import type { HttpTargetConfig } from './http-config';

/**
 * The settings of a `kubernetes` connection as the agent reads them: a cluster's API server, the CA its certificate
 * must chain to, and (as the connection's credential, resolved on the agent like every secret) the token of a service
 * account allowed to impersonate. Every request is made as the hoop user (Impersonate-User / Impersonate-Group), so
 * the cluster's RBAC decides what each person may do; the service account itself only needs `impersonate`.
 */
export interface KubernetesTargetConfig {
  /** the API server: `https://` host, port and optional path prefix (a proxy in front of it), without a trailing slash */
  server: string;
  /** CA certificates (PEM) the API server's certificate must chain to; absent: the system's (a managed cluster with a public CA) */
  caCert?: string;
  connectTimeoutMs: number;
}

export function kubernetesConfigFrom(config: Record<string, unknown>): KubernetesTargetConfig | string {
  const raw = config.server;
  if (typeof raw !== 'string' || raw.trim() === '') return 'config.server must be the URL of the API server, such as https://10.0.0.1:6443';
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return `config.server is not a URL: ${raw.slice(0, 200)}`;
  }
  if (url.protocol !== 'https:') return 'config.server must be an https URL: the API server is reached over TLS, verified against its CA';
  if (url.username || url.password) return "config.server must not carry a user or password: the token is the connection's credential";
  if (url.search || url.hash) return 'config.server must not have a query or a fragment';
  const out: KubernetesTargetConfig = { server: `${url.origin}${url.pathname.replace(/\/+$/, '')}`, connectTimeoutMs: 10_000 };
  const ca = config.caCert;
  if (ca !== undefined && ca !== null && ca !== '') {
    if (typeof ca !== 'string' || !ca.includes('-----BEGIN CERTIFICATE-----'))
      return "config.caCert must be the cluster's CA certificate in PEM form (-----BEGIN CERTIFICATE-----…)";
    out.caCert = ca;
  }
  const timeout = Number(config.connectTimeoutMs ?? 10_000);
  if (!Number.isFinite(timeout) || timeout <= 0 || timeout > 600_000) return `invalid connectTimeoutMs ${String(config.connectTimeoutMs)}`;
  out.connectTimeoutMs = timeout;
  return out;
}

/** The API server as the agent's HTTP plumbing reaches it: the token sent as a bearer credential, TLS checked with the CA. */
export function kubernetesHttpTarget(k: KubernetesTargetConfig): HttpTargetConfig {
  return { baseUrl: k.server, authType: 'bearer', ...(k.caCert ? { caCert: k.caCert } : {}), connectTimeoutMs: k.connectTimeoutMs };
}
