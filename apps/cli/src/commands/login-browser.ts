import { spawn } from 'node:child_process';
import { hostname, userInfo } from 'node:os';
import { EXIT } from '@hoop/protocol';
import type { CliEnv } from '../env';
import { CliError, unreachable, usage } from '../errors';
import { CLI_VERSION } from '../gateway';

/**
 * `hoop login` without a token: the device-style browser login. The gateway opens a login request and gives a secret
 * device code (kept here) and a short user code (shown to the person); the person approves the code in the web app,
 * signed in as themselves; this process polls until the gateway hands over a new API token, once. Denied or expired
 * requests end with exit code 2.
 */
export interface BrowserLogin {
  token: string;
  expiresAt: string;
  scope: string;
  user: { email: string; name: string; role: string };
  org: string;
}

interface Started {
  deviceCode: string;
  userCode: string;
  verificationUrl: string;
  expiresAt: string;
  interval: number;
  tokenDays: number;
}
type Poll =
  | { status: 'pending'; expiresAt: string }
  | ({ status: 'approved' } & BrowserLogin)
  | { status: 'denied' | 'expired' | 'consumed' | 'invalid'; message: string };

async function post<T>(gatewayUrl: string, path: string, body: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${gatewayUrl.replace(/\/$/, '')}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (err) {
    const code = (err as { cause?: NodeJS.ErrnoException }).cause?.code;
    throw unreachable(`cannot reach the gateway at ${gatewayUrl}${code ? ` (${code})` : ''}; is it running?`);
  }
  const out = (await res.json().catch(() => ({}))) as T & { error?: string };
  if (res.status === 404)
    throw usage(`the gateway at ${gatewayUrl} does not offer browser login (too old?); use \`hoop login --token TOKEN\` with a token from the web app`);
  if (!res.ok) throw new CliError(res.status < 500 ? EXIT.usage : EXIT.unreachable, out.error ?? `gateway answered HTTP ${res.status}`);
  return out;
}

/** How this machine opens a URL in a browser, or null where there is none (headless, or BROWSER=none). */
export function browserCommand(env: Pick<CliEnv, 'browser' | 'display'>, platform: NodeJS.Platform = process.platform): string[] | null {
  if (env.browser === 'none') return null;
  if (env.browser) return [env.browser];
  if (platform === 'darwin') return ['open'];
  if (platform === 'win32') return ['cmd', '/c', 'start', '""'];
  return env.display ? ['xdg-open'] : null;
}

function openBrowser(command: string[], url: string): Promise<boolean> {
  return new Promise((resolve) => {
    try {
      const child = spawn(command[0]!, [...command.slice(1), url], { stdio: 'ignore', detached: true });
      child.once('error', () => resolve(false));
      child.once('spawn', () => {
        child.unref();
        resolve(true);
      });
    } catch {
      resolve(false);
    }
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function clientName(): string {
  let who = 'user';
  try {
    who = userInfo().username;
  } catch {
    /* no passwd entry (containers) */
  }
  return `hoop-cli/${CLI_VERSION} on ${who}@${hostname()} (${process.platform})`;
}

export async function loginInBrowser(
  env: CliEnv,
  gatewayUrl: string,
  opts: { browser: boolean; days?: number; readOnly?: boolean },
  say: (line: string) => void,
): Promise<BrowserLogin> {
  const started = await post<Started>(gatewayUrl, '/api/cli-login', {
    clientName: clientName(),
    scope: opts.readOnly ? 'read' : 'full',
    ...(opts.days !== undefined ? { tokenDays: opts.days } : {}),
  });
  say(`To log in, open this page and check that it shows the code ${started.userCode}:\n\n  ${started.verificationUrl}\n`);
  const command = opts.browser ? browserCommand(env) : null;
  if (command && (await openBrowser(command, started.verificationUrl))) say('Opened your browser. Approve the request there (sign in first if asked).');
  else say('Open the link in a browser where you can sign in to hoop (any machine will do), then approve the request.');
  say(`Waiting for approval (the code expires at ${new Date(started.expiresAt).toLocaleTimeString()}); Ctrl-C stops.`);
  const deadline = new Date(started.expiresAt).getTime() + 5_000;
  let failures = 0;
  for (;;) {
    await sleep(Math.max(1, started.interval) * 1000);
    let r: Poll;
    try {
      r = await post<Poll>(gatewayUrl, '/api/cli-login/token', { deviceCode: started.deviceCode });
      failures = 0;
    } catch (err) {
      // a gateway restart while waiting is not the end of the login
      if (err instanceof CliError && err.exitCode === EXIT.unreachable && ++failures < 10 && Date.now() < deadline) continue;
      throw err;
    }
    if (r.status === 'approved') return r;
    if (r.status === 'denied') throw usage('the login was denied in the browser; run `hoop login` again if that was a mistake');
    if (r.status === 'expired') throw usage('the login request expired before anyone approved it; run `hoop login` again');
    if (r.status !== 'pending') throw usage(`${r.message}; run \`hoop login\` again`);
    if (Date.now() > deadline) throw usage('the login request expired before anyone approved it; run `hoop login` again');
  }
}
