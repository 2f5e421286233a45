/**
 * The settings of an `http` connection as the agent reads them: an HTTP API at a base URL, reached with a credential
 * only the agent holds (the connection's credential, resolved on the agent like every secret) and sent the way the
 * API expects it. The control plane checks with the same function before it saves.
 */

/**
 * How the agent presents the connection's credential to the API; `aws-sigv4` signs each request with the agent's own
 * AWS credentials (its environment, or a profile of its shared credentials file) instead of a connection credential.
 */
export const HTTP_AUTH_TYPES = ['none', 'bearer', 'header', 'basic', 'aws-sigv4'] as const;
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
  /** `aws-sigv4`: the region and the service the signature is scoped to (`us-east-1`, `sts`) */
  awsRegion?: string;
  awsService?: string;
  /** `aws-sigv4`: a profile of the agent's shared credentials file; unset: the agent's AWS_* environment first */
  awsProfile?: string;
  connectTimeoutMs: number;
}

/** A region (`us-east-1`, `cn-north-1`, `us-gov-west-1`) and a service signing name (`sts`, `s3`, `execute-api`). */
export const AWS_REGION_PATTERN = /^[a-z]{2}(-[a-z0-9]+){1,4}$/;
export const AWS_SERVICE_PATTERN = /^[a-z0-9][a-z0-9.-]{0,62}$/;
export const AWS_PROFILE_PATTERN = /^[A-Za-z0-9_.@+-]{1,64}$/;

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
  if (authType === 'aws-sigv4') {
    const { awsRegion: region, awsService: service, awsProfile: profile } = config;
    if (typeof region !== 'string' || !AWS_REGION_PATTERN.test(region))
      return 'config.awsRegion must be the AWS region requests are signed for, such as us-east-1';
    if (typeof service !== 'string' || !AWS_SERVICE_PATTERN.test(service))
      return "config.awsService must be the AWS service's signing name, such as sts, s3 or execute-api (lower case)";
    out.awsRegion = region;
    out.awsService = service;
    if (profile !== undefined && profile !== null && profile !== '') {
      if (typeof profile !== 'string' || !AWS_PROFILE_PATTERN.test(profile))
        return 'config.awsProfile must be the name of a profile of the shared credentials file';
      out.awsProfile = profile;
    }
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
