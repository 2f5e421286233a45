/**
 * The settings of an `http` connection as the agent reads them: an HTTP API at a base URL, reached with a credential
 * only the agent holds (the connection's credential, resolved on the agent like every secret) and sent the way the
 * API expects it. The control plane checks with the same function before it saves.
 */

/** How the agent presents the connection's credential to the API. */
export const HTTP_AUTH_TYPES = ['none', 'bearer', 'header', 'basic'] as const;
export type HttpAuthType = (typeof HTTP_AUTH_TYPES)[number];

export interface HttpTargetConfig {
  /** scheme, host, port and path prefix, without a trailing slash: `https://billing.internal/api` */
  baseUrl: string;
  /**
   * `bearer`: `authorization: Bearer <credential>`; `header`: `<authHeader>: <credential>`; `basic`:
   * `authorization: Basic base64(<authUser>:<credential>)`; `none`: nothing is added
   */
  authType: HttpAuthType;
  /** the header that carries the credential for `header` (lower case), e.g. `x-api-key` */
  authHeader?: string;
  /** the user name for `basic` */
  authUser?: string;
  /** CA certificates (PEM) an https target's certificate must chain to; else the system's */
  caCert?: string;
  connectTimeoutMs: number;
}

/** Headers a credential may not be put in: they would break the request or carry something else. */
const RESERVED_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'content-type', 'te', 'upgrade', 'cookie']);

export function httpTargetConfigFrom(config: Record<string, unknown>): HttpTargetConfig | string {
  const raw = config.baseUrl;
  if (typeof raw !== 'string' || raw.trim() === '') return 'config.baseUrl must be the URL of the API, such as https://billing.internal';
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return `config.baseUrl is not a URL: ${raw.slice(0, 200)}`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'config.baseUrl must be an http or https URL';
  if (url.username || url.password) return "config.baseUrl must not carry a user or password: the credential is the connection's secret";
  if (url.search || url.hash) return 'config.baseUrl must not have a query or a fragment';
  const authType = config.authType ?? 'none';
  if (typeof authType !== 'string' || !(HTTP_AUTH_TYPES as readonly string[]).includes(authType))
    return `invalid authType ${String(authType)} (one of ${HTTP_AUTH_TYPES.join(', ')})`;
  const out: HttpTargetConfig = { baseUrl: `${url.origin}${url.pathname.replace(/\/+$/, '')}`, authType: authType as HttpAuthType, connectTimeoutMs: 10_000 };
  if (authType === 'header') {
    const h = config.authHeader;
    if (typeof h !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/.test(h.trim())) return 'config.authHeader must be a header name, such as X-Api-Key';
    const name = h.trim().toLowerCase();
    if (RESERVED_HEADERS.has(name) || name.startsWith('proxy-')) return `config.authHeader cannot be ${name}`;
    out.authHeader = name;
  }
  if (authType === 'basic') {
    const u = config.authUser;
    if (typeof u !== 'string' || u === '' || u.includes(':') || u.length > 200) return 'config.authUser must be the user name for basic auth (no colon)';
    out.authUser = u;
  }
  const ca = config.caCert;
  if (ca !== undefined && ca !== null && ca !== '') {
    if (typeof ca !== 'string' || !ca.includes('-----BEGIN CERTIFICATE-----'))
      return 'config.caCert must be CA certificates in PEM form (-----BEGIN CERTIFICATE-----…)';
    if (url.protocol !== 'https:') return 'config.caCert is only for an https baseUrl';
    out.caCert = ca;
  }
  const timeout = Number(config.connectTimeoutMs ?? 10_000);
  if (!Number.isFinite(timeout) || timeout <= 0 || timeout > 600_000) return `invalid connectTimeoutMs ${String(config.connectTimeoutMs)}`;
  out.connectTimeoutMs = timeout;
  return out;
}
