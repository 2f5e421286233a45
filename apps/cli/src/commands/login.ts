import { type CliConfig, configLocation, readStoredConfig, saveConfig } from '../config';
import type { CliEnv } from '../env';
import { usage } from '../errors';
import { api } from '../gateway';
import { loginInBrowser } from './login-browser';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}

export interface LoginOptions {
  gateway?: string;
  token?: string;
  /** open a browser for the browser login (default true; it is only opened where there is one) */
  browser?: boolean;
  /** lifetime of the token the browser login creates */
  days?: number;
  /** ask the browser login for a read-only token */
  readOnly?: boolean;
}

/**
 * `hoop login --gateway URL --token TOKEN` checks the token against the gateway, then saves it (mode 600). Without a
 * token (none given, none on stdin) it logs in through the browser: the person approves the login in the web app and
 * the gateway hands this CLI a new token of theirs (see login-browser.ts).
 */
export async function loginCommand(env: CliEnv, opts: LoginOptions): Promise<void> {
  const location = configLocation(env);
  const current = await readStoredConfig(location).catch(() => ({}) as Partial<CliConfig>);
  let token = opts.token ?? env.token;
  // a token piped on stdin (`… | hoop login`) still works; an empty stdin means the browser login
  if (!token && !process.stdin.isTTY) token = await readStdin();
  if (opts.token !== undefined && !token) throw usage('empty token');
  // a token given here goes to the gateway named here, or to the one of the user's own saved login, never to one a
  // project's .hoop/cli.json names
  const savedGateway = token && location.found ? undefined : current.gatewayUrl;
  if (token && !opts.gateway && !env.gatewayUrl && location.found && current.gatewayUrl) {
    throw usage(
      `say which gateway the token is for: hoop login --gateway URL (${location.file} names ` +
        `${current.gatewayUrl}, which is not trusted with a token given here)`,
    );
  }
  const gatewayUrl = opts.gateway ?? env.gatewayUrl ?? savedGateway ?? 'http://127.0.0.1:8009';
  if (!token) {
    const r = await loginInBrowser(env, gatewayUrl, { browser: opts.browser ?? true, days: opts.days, readOnly: opts.readOnly }, (line) =>
      process.stderr.write(`${line}\n`),
    );
    const file = await saveConfig(env, { gatewayUrl, token: r.token, user: r.user.email }, location.file);
    const scope = r.scope === 'read' ? ', read-only' : '';
    process.stdout.write(
      `logged in to ${gatewayUrl} as ${r.user.email} (${r.user.role}, org ${r.org}${scope}); the token expires ${r.expiresAt.slice(0, 10)}; saved to ${file}\n`,
    );
    return;
  }
  const me = await api<{ email: string; name: string; role: string; org: string }>({ gatewayUrl, token }, '/api/me');
  const file = await saveConfig(env, { gatewayUrl, token, user: me.email }, location.file);
  process.stdout.write(`logged in to ${gatewayUrl} as ${me.email} (${me.role}, org ${me.org}); saved to ${file}\n`);
}
