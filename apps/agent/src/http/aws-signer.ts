import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { HttpTargetConfig } from '@hoop/protocol';
import { type AwsEnvironment, awsEnvironment } from '../env';
import { type AwsCredentials, amzDateOf, EMPTY_SHA256, payloadHashOf, signatureOf, UNSIGNED_PAYLOAD, unsignedPayloadAllowed } from './aws-sigv4';

/**
 * How an `aws-sigv4` http connection signs what it sends: each request as it finally leaves the agent (hoop's
 * headers, the base URL's host and path prefix, the body's length) is signed with the agent's AWS credentials for
 * the connection's region and service. The body's sha256 is signed, so a body is held whole before it is sent —
 * except for services that take `UNSIGNED-PAYLOAD` (S3), where a body not held anyway streams unsigned.
 */
export interface RequestSigner {
  /** whether a request with these headers must be held whole to be signed */
  holdsBody(clientHeaders: Record<string, string>): boolean;
  /**
   * Signs `headers` in place for `method` `target` (the path and query after the base URL's prefix); `body`: the
   * whole body when it was held, null when it streams. Returns why it cannot be sent, or null.
   */
  sign(method: string, target: string, headers: Record<string, string>, body: Buffer | null, clientHeaders: Record<string, string>): string | null;
}

/** Headers a client may send to sign a request itself: hoop signs instead, so they never reach the API. */
const CLIENT_SIGNING = [
  'x-amz-date',
  'x-amz-security-token',
  'x-amz-content-sha256',
  'x-amz-credential',
  'x-amz-signature',
  'x-amz-signedheaders',
  'x-amz-algorithm',
  'x-amz-expires',
];
/** A presigned URL's parameters carry someone else's signature (named in any case, percent-encoded or not). */
const PRESIGNED = new Set(['x-amz-signature', 'x-amz-credential', 'x-amz-security-token', 'x-amz-algorithm']);

function presigned(query: string): boolean {
  return query.split('&').some((pair) => {
    const key = pair.split('=')[0] ?? '';
    let name = key;
    try {
      name = decodeURIComponent(key.replace(/\+/g, ' '));
    } catch {
      // a malformed escape: judged as written
    }
    return PRESIGNED.has(name.trim().toLowerCase());
  });
}

function hasBody(h: Record<string, string>): boolean {
  return (h['content-length'] !== undefined && h['content-length'].trim() !== '0') || h['transfer-encoding'] !== undefined;
}

export function awsSigner(config: HttpTargetConfig, creds: AwsCredentials, now: () => Date = () => new Date()): RequestSigner {
  const base = new URL(config.baseUrl);
  const prefix = base.pathname === '/' ? '' : base.pathname;
  const region = config.awsRegion ?? '';
  const service = config.awsService ?? '';
  const unsignedOk = unsignedPayloadAllowed(service);
  return {
    holdsBody: (h) => !unsignedOk && hasBody(h),
    sign(method, target, headers, body, clientHeaders) {
      const q = target.indexOf('?');
      if (q >= 0 && presigned(target.slice(q + 1)))
        return 'hoop signs requests to this API itself: send the URL without X-Amz-Signature, X-Amz-Credential and the other presigning parameters';
      for (const k of CLIENT_SIGNING) delete headers[k];
      const payloadHash = body !== null ? payloadHashOf(body) : !hasBody(clientHeaders) ? EMPTY_SHA256 : unsignedOk ? UNSIGNED_PAYLOAD : null;
      if (payloadHash === null) return `the request body must be held to be signed for ${service}`;
      headers.host = base.host;
      headers['x-amz-date'] = amzDateOf(now());
      if (creds.sessionToken) headers['x-amz-security-token'] = creds.sessionToken;
      if (unsignedOk) headers['x-amz-content-sha256'] = payloadHash;
      const sig = signatureOf({ method, path: `${prefix}${target}`, headers, payloadHash, region, service }, creds);
      headers.authorization = sig.authorization;
      return null;
    },
  };
}

/** The signer of an `aws-sigv4` connection with the agent's credentials (why there is none), or undefined for other kinds. */
export async function signerFor(config: HttpTargetConfig, env: AwsEnvironment = awsEnvironment()): Promise<RequestSigner | string | undefined> {
  if (config.authType !== 'aws-sigv4') return undefined;
  const creds = await loadAwsCredentials(config.awsProfile, env);
  return typeof creds === 'string' ? `requests are signed with AWS Signature V4, but ${creds}` : awsSigner(config, creds);
}

/**
 * The agent's AWS credentials: a profile the connection names, from the shared credentials file; else
 * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN; else the AWS_PROFILE (or `default`) profile of the
 * file (AWS_SHARED_CREDENTIALS_FILE, or ~/.aws/credentials). Read when a session opens, so rotated keys are picked up.
 */
export async function loadAwsCredentials(profile: string | undefined, env: AwsEnvironment): Promise<AwsCredentials | string> {
  if (!profile && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY)
    return {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    };
  const file = env.AWS_SHARED_CREDENTIALS_FILE || (env.HOME ? path.join(env.HOME, '.aws', 'credentials') : '');
  const name = profile || env.AWS_PROFILE || 'default';
  const advice = "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) in the agent's environment, or give it a credentials file";
  if (!file) return `the agent has no AWS credentials: ${advice}`;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' && !profile
      ? `the agent has no AWS credentials: ${advice}`
      : `cannot read the AWS credentials file ${file}: ${code ?? (err as Error).message}`;
  }
  const section = iniSection(text, name);
  if (!section) return `the AWS credentials file ${file} has no profile [${name}]`;
  const id = section.aws_access_key_id;
  const secret = section.aws_secret_access_key;
  if (!id || !secret) return `profile [${name}] of ${file} lacks aws_access_key_id or aws_secret_access_key`;
  return { accessKeyId: id, secretAccessKey: secret, ...(section.aws_session_token ? { sessionToken: section.aws_session_token } : {}) };
}

/** The keys of one `[name]` section of an INI file (`#` and `;` start comments). */
function iniSection(text: string, name: string): Record<string, string> | null {
  let current: string | null = null;
  let found: Record<string, string> | null = null;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[\s*([^\]]+?)\s*\]$/.exec(line);
    if (header) {
      current = header[1]!;
      if (current === name) found ??= {};
      continue;
    }
    const eq = line.indexOf('=');
    if (current === name && found && eq > 0) found[line.slice(0, eq).trim().toLowerCase()] = line.slice(eq + 1).trim();
  }
  return found;
}
