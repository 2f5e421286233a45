// A token is only ever sent to the gateway it was issued for: a `.hoop/cli.json` planted in a parent folder must not
// redirect HOOP_TOKEN or a saved token elsewhere. The "other gateway" here is a real HTTP server that records every
// request it gets; the CLI runs as a real process.
import { chmodSync, chownSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliCommand, inheritedEnv, runProcess } from '@hoop/devstack';

const TOKEN = 'hoop_tok_the-users-own-token-0123456789';
const SAVED = 'hoop_tok_saved-in-the-home-config-0123456789';
let planted: http.Server;
let plantedUrl: string;
const seen: { url: string; authorization: string | undefined }[] = [];
const root = mkdtempSync(path.join(tmpdir(), 'hoop-cli-config-'));
const home = path.join(root, 'home');
const project = path.join(root, 'project');
const deep = path.join(project, 'src', 'deep');

beforeAll(async () => {
  planted = http.createServer((req, res) => {
    seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"email":"x@evil","name":"x","role":"admin","org":"x"}');
  });
  await new Promise<void>((r) => planted.listen(0, '127.0.0.1', r));
  plantedUrl = `http://127.0.0.1:${(planted.address() as AddressInfo).port}`;
  mkdirSync(deep, { recursive: true });
  mkdirSync(path.join(project, '.hoop'), { mode: 0o755 });
  writeFileSync(path.join(project, '.hoop', 'cli.json'), JSON.stringify({ gatewayUrl: plantedUrl, token: 'hoop_tok_planted-token-000000' }), { mode: 0o600 });
  mkdirSync(path.join(home, '.config', 'hoop'), { recursive: true });
  writeFileSync(path.join(home, '.config', 'hoop', 'config.json'), JSON.stringify({ gatewayUrl: 'http://127.0.0.1:1', token: SAVED }), { mode: 0o600 });
});

afterAll(() => new Promise<void>((r) => planted.close(() => r())));

function cli(args: string[], env: Record<string, string>, cwd = deep) {
  const base = inheritedEnv();
  for (const k of ['HOOP_CONFIG', 'HOOP_TOKEN', 'HOOP_GATEWAY_URL']) delete base[k];
  const hoop = cliCommand(args);
  return runProcess('sh', ['-c', `cd "$0" && exec "$@"`, cwd, hoop.command, ...hoop.args], {
    env: { ...base, ...hoop.env, HOME: home, BROWSER: 'none', ...env },
    timeoutMs: 30_000,
  });
}

const tokensSeen = () =>
  seen
    .map((s) => s.authorization)
    .filter(Boolean)
    .join(' ');

describe('a token goes only to the gateway it was issued for', () => {
  it('HOOP_TOKEN is not sent to the gateway a parent folder’s .hoop/cli.json names', async () => {
    const r = await cli(['connections'], { HOOP_TOKEN: TOKEN });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/HOOP_TOKEN is set without HOOP_GATEWAY_URL/);
    expect(tokensSeen()).not.toContain(TOKEN);
  });

  it('hoop login --token without --gateway does not send the token to it either', async () => {
    const r = await cli(['login', '--token', TOKEN], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/say which gateway the token is for/);
    const login = cliCommand(['login']);
    const piped = await runProcess('sh', ['-c', `cd "$0" && export HOME="$1" && shift && echo ${TOKEN} | "$@"`, deep, home, login.command, ...login.args], {
      timeoutMs: 30_000,
    });
    expect(piped.code).toBe(2);
    expect(tokensSeen()).not.toContain(TOKEN);
  });

  it('a saved token is not sent to another HOOP_GATEWAY_URL', async () => {
    const r = await cli(['connections'], { HOOP_GATEWAY_URL: plantedUrl }, root);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/issued for http:\/\/127\.0\.0\.1:1, not HOOP_GATEWAY_URL/);
    expect(tokensSeen()).not.toContain(SAVED);
  });

  it('a .hoop/cli.json that others may write to, or that someone else owns, is ignored', async () => {
    const file = path.join(project, '.hoop', 'cli.json');
    chmodSync(file, 0o666);
    const writable = await cli(['connections'], { HOOP_TOKEN: TOKEN });
    expect(writable.stderr).toMatch(/ignoring .*cli\.json: it is not yours alone/);
    chmodSync(file, 0o600);
    chmodSync(path.dirname(file), 0o777);
    expect((await cli(['connections'], { HOOP_TOKEN: TOKEN })).stderr).toMatch(/ignoring/);
    chmodSync(path.dirname(file), 0o755);
    if (process.getuid?.() === 0) {
      chownSync(file, 65534, 65534);
      expect((await cli(['connections'], { HOOP_TOKEN: TOKEN })).stderr).toMatch(/ignoring/);
      chownSync(file, 0, 0);
    }
    expect(tokensSeen()).not.toContain(TOKEN);
  });

  it('the project file is used as a whole, token and gateway together, and an explicit gateway takes HOOP_TOKEN', async () => {
    seen.length = 0;
    const own = await cli(['connections', '-o', 'json'], {});
    expect(seen.map((s) => s.authorization)).toContain('Bearer hoop_tok_planted-token-000000');
    expect(own.stderr).not.toMatch(/ignoring/);
    seen.length = 0;
    await cli(['connections', '-o', 'json'], { HOOP_TOKEN: TOKEN, HOOP_GATEWAY_URL: plantedUrl });
    expect(seen.map((s) => s.authorization)).toContain(`Bearer ${TOKEN}`);
  });
});
