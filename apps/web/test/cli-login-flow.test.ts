/**
 * `hoop login` through the browser, end to end without the browser: the real CLI process asks the real gateway for a
 * login request and waits; the web app's own service approves (or denies) the code the CLI printed, as the signed-in
 * user; the CLI saves the token the gateway hands it, and that token works (with the approver's roles). The browser
 * half is in playwright/web-identity.spec.ts.
 */
import { readFile } from 'node:fs/promises';
import { seedApiToken, seedUser } from '@hoop/db/testing';
import { startTestStack, type TestStack, waitFor } from '@hoop/devstack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSessionUser, type SessionUser } from '@hoop/core/auth/load-session-user';
import { decideCliLogin } from '@hoop/core/cli-login/decide-cli-login';

let stack: TestStack;
let rita: SessionUser;
let dir = 0;

beforeAll(async () => {
  stack = await startTestStack();
  const u = await seedUser(stack.db, stack.orgId, { email: 'rita@test.local', name: 'Rita', role: 'developer' });
  // reviewer through a group: the token carries the roles the approver holds
  const g = await stack.db.group.create({ data: { orgId: stack.orgId, name: 'db-reviewers', role: 'reviewer' } });
  await stack.db.groupMember.create({ data: { groupId: g.id, userId: u.id } });
  rita = (await loadSessionUser(stack.db, u.id))!;
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

/** `hoop login` with a config file of its own, in the background. */
function login(args: string[] = []) {
  const configFile = `${stack.configFile}.login-${++dir}.json`;
  const cli = stack.spawnCli(['login', '--gateway', stack.gatewayUrl, '--no-browser', ...args], { env: { HOOP_CONFIG: configFile, BROWSER: 'none' } });
  // the code, once the whole prompt is out: its lines are separate writes, and the code comes in the first
  const code = () =>
    waitFor(
      'hoop login to print its code and wait',
      async () => (cli.output().includes('Waiting for approval') ? (/cli-login\?code=([A-Z]{4}-[A-Z]{4})/.exec(cli.output())?.[1] ?? null) : null),
      { timeoutMs: 30_000 },
    );
  return { ...cli, code, configFile };
}

async function me(token: string, init: RequestInit = {}) {
  return fetch(`${stack.gatewayUrl}/api/me`, { ...init, headers: { authorization: `Bearer ${token}` } });
}

describe('hoop login in the browser', () => {
  it('waits for approval in the web app, then saves a token of the approver that expires in 30 days', async () => {
    const cli = login();
    const code = await cli.code();
    expect(cli.output()).toContain(`http://localhost:3999/cli-login?code=${code}`);
    expect(cli.output()).toContain('Open the link in a browser');
    const row = await stack.db.cliLoginRequest.findUniqueOrThrow({ where: { userCode: code } });
    expect(row).toMatchObject({ status: 'pending', scope: 'full', tokenDays: 30, clientAddress: '127.0.0.1' });
    expect(row.clientName).toMatch(/^hoop-cli\/\S+ on \S+@\S+ \(linux\)$/);

    await decideCliLogin(stack.db, rita, 'approve', { code });
    const r = await cli.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(`^logged in to ${stack.gatewayUrl} as rita@test.local \\(reviewer, org test-\\w+\\); the token expires \\d{4}-\\d\\d-\\d\\d; saved to `),
    );
    const saved = JSON.parse(await readFile(cli.configFile, 'utf8')) as { gatewayUrl: string; token: string; user: string };
    expect(saved).toMatchObject({ gatewayUrl: stack.gatewayUrl, user: 'rita@test.local' });
    const res = await me(saved.token);
    expect(await res.json()).toMatchObject({ email: 'rita@test.local', role: 'reviewer', roles: ['reviewer', 'developer'], scope: 'full' });
    const token = await stack.db.apiToken.findFirstOrThrow({ where: { userId: rita.id }, include: { cliLogin: true } });
    expect(token.cliLogin?.userCode).toBe(code);
    expect(Math.round((token.expiresAt!.getTime() - Date.now()) / 86_400_000)).toBe(30);
    expect((await stack.db.cliLoginRequest.findUniqueOrThrow({ where: { userCode: code } })).status).toBe('consumed');

    // the token is usable by the CLI, and stops at once when Rita is disabled
    const listed = await stack.cli(['connections'], { env: { HOOP_CONFIG: cli.configFile } });
    expect(listed.code, listed.stderr).toBe(0);
    await stack.db.user.update({ where: { id: rita.id }, data: { disabledAt: new Date() } });
    expect((await me(saved.token)).status).toBe(401);
    await stack.db.user.update({ where: { id: rita.id }, data: { disabledAt: null } });
    expect((await me(saved.token)).status).toBe(200);
  });

  it('ends with exit code 2 and says so when the login is denied', async () => {
    const cli = login();
    await decideCliLogin(stack.db, rita, 'deny', { code: await cli.code() });
    const r = await cli.done;
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('hoop: the login was denied in the browser; run `hoop login` again if that was a mistake');
  });

  it('ends with exit code 2 when nobody approves in time', async () => {
    const cli = login();
    const code = await cli.code();
    await stack.db.cliLoginRequest.update({ where: { userCode: code }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const r = await cli.done;
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('hoop: the login request expired before anyone approved it; run `hoop login` again');
  });

  it('asks for a read-only token with the lifetime given, which can read but not change anything', async () => {
    const cli = login(['--read-only', '--days', '7']);
    await decideCliLogin(stack.db, rita, 'approve', { code: await cli.code() });
    const r = await cli.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('reviewer, org ');
    expect(r.stdout).toContain(', read-only)');
    const { token } = JSON.parse(await readFile(cli.configFile, 'utf8')) as { token: string };
    expect((await (await me(token)).json()).scope).toBe('read');
    const change = await fetch(`${stack.gatewayUrl}/api/policies`, { method: 'PUT', headers: { authorization: `Bearer ${token}` }, body: '{}' });
    expect(change.status).toBe(403);
    expect((await change.json()).error).toMatch(/read-only/);
    // no sessions either: the tunnel refuses it
    const exec = await stack.cli(['exec', 'nothing', '-i', 'select 1'], { env: { HOOP_CONFIG: cli.configFile } });
    expect(exec.code).toBe(2);
    expect(exec.stderr).toMatch(/refused your token/);
  });

  it('still takes a token on the command line or on stdin', async () => {
    const { token } = await seedApiToken(stack.db, rita.id, { name: 'pasted' });
    const file = `${stack.configFile}.pasted.json`;
    const flag = await stack.cli(['login', '--gateway', stack.gatewayUrl, '--token', token], { env: { HOOP_CONFIG: file } });
    expect(flag.code, flag.stderr).toBe(0);
    expect(flag.stdout).toContain('as rita@test.local (reviewer');
    const piped = await stack.cli(['login', '--gateway', stack.gatewayUrl], { env: { HOOP_CONFIG: file }, input: `${token}\n` });
    expect(piped.code, piped.stderr).toBe(0);
    const bad = await stack.cli(['login', '--gateway', stack.gatewayUrl, '--token', 'hoop_tok_nope'], { env: { HOOP_CONFIG: file } });
    expect(bad.code).toBe(2);
  });
});
