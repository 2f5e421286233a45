import { loadConfig, saveConfig } from '../config';
import type { CliEnv } from '../env';
import { usage } from '../errors';
import { api } from '../gateway';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}

/** `hoop login --gateway URL --token TOKEN`: checks the token against the gateway, then saves it (mode 600). */
export async function loginCommand(env: CliEnv, opts: { gateway?: string; token?: string }): Promise<void> {
  let current: { gatewayUrl?: string } = {};
  try {
    current = await loadConfig(env);
  } catch {
    /* first login */
  }
  const gatewayUrl = opts.gateway ?? env.gatewayUrl ?? current.gatewayUrl ?? 'http://127.0.0.1:8009';
  let token = opts.token ?? env.token;
  if (!token) {
    if (process.stdin.isTTY) throw usage('pass --token TOKEN (create one in the web app under API tokens), or pipe it on stdin');
    token = await readStdin();
  }
  if (!token) throw usage('empty token');
  const me = await api<{ email: string; name: string; role: string; org: string }>({ gatewayUrl, token }, '/api/me');
  const file = await saveConfig(env, { gatewayUrl, token, user: me.email });
  process.stdout.write(`logged in to ${gatewayUrl} as ${me.email} (${me.role}, org ${me.org}); saved to ${file}\n`);
}
