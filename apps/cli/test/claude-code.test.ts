/**
 * The real Claude Code (`claude -p`, installed from npm into .hoop/tools on first use) with its model API through hoop:
 * `hoop claude configure` points it at the gateway with the user's hoop token, the scripted Anthropic-compatible API
 * behind the agent answers, and the test checks what the user saw, what reached the "model" (the org's key, never the
 * hoop token), what a wrong token gets, and what the audit trail holds.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claudeCodeForTests, claudeEnv, type FakeAnthropic, type TestStack, startFakeAnthropic, startTestStack, waitFor } from '@hoop/devstack';

// skipped only when npm test announced it could not install Claude Code (and said why)
const CLAUDE = (await claudeCodeForTests()) ?? '';

const REAL_KEY = `sk-ant-api03-${randomBytes(12).toString('hex')}`;
let stack: TestStack;
let api: FakeAnthropic;

beforeAll(async () => {
  if (!CLAUDE) return;
  api = await startFakeAnthropic();
  stack = await startTestStack({ gatewayEnv: { HOOP_CLAUDE_IDLE_MS: '500' } });
  await stack.addConnection('claude-api', 'anthropic', { baseUrl: api.url }, REAL_KEY);
  await stack.startAgent();
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await api?.stop();
});

const home = () => mkdtempSync(path.join(tmpdir(), 'hoop-claude-home-'));

/** `claude ARGS` in `env`; never waits on a prompt (stdin is closed) */
function claude(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = execFile(CLAUDE, args, { env, timeout: 90_000, cwd: env.HOME }, (e, out, err) =>
      resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out: String(out), err: String(err) }),
    );
    child.stdin?.end();
  });
}

/** what `claude` needs besides the model API settings: no updater, telemetry or other traffic */
const quiet = (h: string): NodeJS.ProcessEnv => {
  const { ANTHROPIC_BASE_URL: _u, ANTHROPIC_AUTH_TOKEN: _t, ...rest } = claudeEnv(h, '', '');
  return rest;
};

describe.skipIf(!CLAUDE)('Claude Code with its model API through hoop', () => {
  it('hoop claude configure points it at hoop; claude -p answers through the gateway and the agent', async () => {
    const h = home();
    const configured = await stack.cli(['claude', 'configure'], { env: { HOME: h } });
    expect(configured.code, configured.stderr).toBe(0);
    expect(configured.stdout).toContain(`pointed Claude Code's model API at hoop (connection "claude-api")`);
    expect(configured.stdout).not.toContain(stack.adminToken);
    const settings = JSON.parse(readFileSync(path.join(h, '.claude', 'settings.json'), 'utf8')) as { env: Record<string, string> };
    expect(settings.env).toEqual({ ANTHROPIC_BASE_URL: `${stack.gatewayUrl}/anthropic/claude-api`, ANTHROPIC_AUTH_TOKEN: stack.adminToken });
    expect(JSON.parse(readFileSync(path.join(h, '.claude.json'), 'utf8')).mcpServers.hoop.args.at(-1)).toBe('mcp');

    const before = api.messages().length;
    api.enqueue({ kind: 'text', text: 'the answer came through hoop' });
    // no ANTHROPIC_* in its environment: the settings file alone points it at hoop
    const r = await claude(['-p', 'say something'], quiet(h));
    expect(r.code, r.err + r.out).toBe(0);
    expect(r.out).toContain('the answer came through hoop');
    const got = api.messages().slice(before);
    expect(got.length).toBeGreaterThan(0);
    for (const m of got) {
      expect(m.headers['x-api-key']).toBe(REAL_KEY);
      expect(m.headers.authorization).toBeUndefined();
      expect(m.headers['anthropic-version']).toBeTruthy();
      expect(JSON.stringify(m)).not.toContain(stack.adminToken);
    }
    expect(got[0]!.body).toContain('say something');
  });

  it("runs the model's tool call and sends its result back, all through hoop, and records the tool call", async () => {
    const marker = `hoop-marker-${randomBytes(3).toString('hex')}`;
    const before = api.messages().length;
    api.enqueue(
      { kind: 'tool_use', name: 'Bash', input: { command: `echo ${marker}`, description: 'print the marker' } },
      { kind: 'text', text: 'the command ran' },
    );
    const h = home();
    const r = await claude(
      ['-p', 'run the marker command', '--allowedTools', 'Bash'],
      claudeEnv(h, `${stack.gatewayUrl}/anthropic/claude-api`, stack.adminToken),
    );
    expect(r.code, r.err + r.out).toBe(0);
    expect(r.out).toContain('the command ran');
    const results = api
      .messages()
      .slice(before)
      .filter((m) => m.body.includes('"tool_result"'));
    expect(results.length).toBeGreaterThan(0);
    expect(results[0]!.body).toContain(marker);
    await waitFor('the tool call in the trail', async () => {
      const e = await stack.db.auditEvent.findMany({ where: { type: 'model.response' }, orderBy: { id: 'desc' }, take: 20 });
      return e.some((x) => JSON.stringify(x.data).includes(`echo ${marker}`)) ? true : null;
    });
  });

  it('a wrong hoop token gets the API-shaped 401 and reaches nothing', async () => {
    const before = api.received.length;
    // Claude Code retries a 401 for a while, as it would against the API itself: once is enough here
    const env = { ...claudeEnv(home(), `${stack.gatewayUrl}/anthropic/claude-api`, 'wrong-token-0000'), CLAUDE_CODE_MAX_RETRIES: '0' };
    const r = await claude(['-p', 'hello'], env);
    expect(r.code).not.toBe(0);
    expect(r.out + r.err).toMatch(/API Error: 401 hoop: this hoop token is not valid/);
    expect(api.received.length).toBe(before);
  });

  it('hoop claude -- ARGS runs claude with the model API through hoop for that run', async () => {
    api.enqueue({ kind: 'text', text: 'ran by hoop claude' });
    const r = await stack.cli(['claude', '--', '-p', 'hello'], {
      env: { ...quiet(home()), HOOP_CLAUDE: CLAUDE, HOOP_CONFIG: stack.configFile },
      timeoutMs: 90_000,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('ran by hoop claude');
  });

  it('records each conversation as a closed session of mode claude, and the trail verifies', async () => {
    const sessions = await waitFor('the conversations to close', async () => {
      const s = await stack.db.session.findMany({ where: { mode: 'claude' } });
      return s.length >= 3 && s.every((x) => x.status === 'closed') ? s : null;
    });
    for (const s of sessions) expect((s.clientInfo as Record<string, string>).conversation).toMatch(/^[0-9a-f-]{36}$/);
    const closes = await stack.db.auditEvent.findMany({ where: { type: 'session.close', sessionId: { in: sessions.map((s) => s.id) } } });
    expect(closes.length).toBe(sessions.length);
    const totals = closes.map((c) => c.data as { exchanges: number; usage: { inputTokens: number } });
    expect(totals.every((t) => t.exchanges >= 1 && t.usage.inputTokens > 0)).toBe(true);
    const verify = await stack.cli(['audit', 'verify']);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/audit trail intact/);
  });

  it('hoop sessions shows a conversation with its model, tokens and tool calls, and get its exchanges in words', async () => {
    const list = await stack.cli(['sessions']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout.split('\n')[0]).toMatch(/\sEVENTS\s+CONVERSATION$/);
    // the conversation that ran the marker command: the scripted model's name, its tokens, its one tool call
    expect(list.stdout).toMatch(/claude\s+closed\s+\d+\s+claude-[^\s]+ · \d+ tokens · 1 tool call/);
    const withTool = await stack.db.auditEvent.findFirstOrThrow({ where: { type: 'model.tool_use' } });
    const got = await stack.cli(['sessions', 'get', withTool.sessionId]);
    expect(got.code, got.stderr).toBe(0);
    expect(got.stdout).toMatch(/model\.request\s+#1 POST \/v1\/messages\?beta=true claude-\S+ \d+ bytes \(cut\)/);
    expect(got.stdout).toMatch(/model\.response\s+#1 200 tool_use in \d+ out \d+ tools Bash/);
    expect(got.stdout).toMatch(/model\.tool_use\s+#1 ALLOW\s+Bash \{"command":"echo hoop-marker-\w+".* → passed/);
  });
});
