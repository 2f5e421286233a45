/**
 * A Claude Code conversation replayed in the web app. The real `claude -p` (installed from npm into .hoop/tools) talks
 * to the model API through the gateway and the agent; the test kit's scripted Anthropic-compatible API answers with
 * tool calls: a command Claude Code runs, and an `rm -rf` the guard refuses (Claude Code ends its turn with the
 * refusal). An admin finds the conversation in the session list (its model, tokens and tool calls in the row, the claude
 * and blocked filters) and reads it as a timeline: each exchange's new turn, the model's answer and tool calls with the
 * guard's decisions, tokens and timings, and the full request as the trail recorded it (its first 64 KB: Claude Code's
 * requests are longer).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { claudeCodeForTests, claudeEnv, type FakeAnthropic, REPO_ROOT, startFakeAnthropic, type TestStack, waitFor } from '@hoop/devstack';
import { startWebStack, stopWebStack, type WebStack } from './web-steps';

const SHOTS = path.join(REPO_ROOT, 'playwright', 'screenshots');
const MARKER = `hoop-marker-${randomBytes(3).toString('hex')}`;
const PROMPT = 'print the marker, then clean up the app folder';

let claude = '';
let ws: WebStack;
let stack: TestStack;
let api: FakeAnthropic;
let baseURL: string;
let sessionId = '';

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  // skipped only when the test run announced it could not install Claude Code (and said why)
  claude = (await claudeCodeForTests()) ?? '';
  if (!claude) return;
  api = await startFakeAnthropic();
  // a conversation ends after 4 s without a request: long enough for Claude Code to run a command between two
  ws = await startWebStack({
    stack: { gatewayEnv: { HOOP_CLAUDE_IDLE_MS: '4000' } },
    setUp: (s) => s.addConnection('claude-api', 'anthropic', { baseUrl: api.url }, `sk-ant-api03-${randomBytes(12).toString('hex')}`).then(() => undefined),
  });
  ({ stack, baseURL } = ws);
});

test.afterAll(async () => {
  await stopWebStack(ws);
  await api?.stop();
});

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

/** `claude -p PROMPT` with its model API through hoop, Bash allowed; never waits on a prompt. */
function runClaude(): Promise<{ code: number | null; out: string }> {
  const home = mkdtempSync(path.join(tmpdir(), 'hoop-claude-home-'));
  const env = claudeEnv(home, `${stack.gatewayUrl}/anthropic/claude-api`, stack.adminToken);
  return new Promise((resolve) => {
    const child = execFile(claude, ['-p', PROMPT, '--allowedTools', 'Bash'], { env, cwd: home, timeout: 90_000 }, (e, out, err) =>
      resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out: `${out}${err}` }),
    );
    child.stdin?.end();
  });
}

test('a Claude Code conversation through hoop is listed with its model, tokens and tool calls', async ({ page }) => {
  test.skip(!claude, 'needs Claude Code: npm test installs it from npm into .hoop/tools; skipped only where it could not and said why');
  api.enqueue(
    { kind: 'tool_use', name: 'Bash', input: { command: `echo ${MARKER}`, description: 'Print the marker' }, text: 'I will print the marker first.' },
    { kind: 'tool_use', name: 'Bash', input: { command: 'rm -rf /srv/app', description: 'Clean up the app folder' } },
  );
  const r = await runClaude();
  expect(r.code, r.out).toBe(0);
  // the guard put its refusal in place of the call: Claude Code ends the turn with it
  expect(r.out).toContain('blocked by hoop guardrail "rm-recursive-broad"');
  // the command ran on the laptop: its output went back to the model
  expect(api.messages().some((m) => m.body.includes('"tool_result"') && m.body.includes(MARKER))).toBe(true);
  const session = await waitFor('the conversation to close', async () => {
    const s = await stack.db.session.findMany({ where: { mode: 'claude' } });
    return s.length === 1 && s[0]!.status === 'closed' ? s[0]! : null;
  });
  sessionId = session.id;
  const blocked = await stack.db.auditEvent.findMany({ where: { sessionId, type: 'model.tool_use' } });
  expect(blocked.map((e) => (e.data as { outcome?: string }).outcome).sort()).toEqual(['blocked', 'passed']);

  await ws.openAsAdmin(page, '/sessions?mode=claude');
  const row = page.locator(`[data-testid="session-row"][data-id="${sessionId}"]`);
  await expect(row).toHaveAttribute('data-kind', 'conversation');
  await expect(row.getByTestId('claude-models')).toHaveText(/^claude-/);
  await expect(row.getByTestId('claude-tokens')).toContainText('tokens');
  await expect(row.getByTestId('statement-count')).toContainText('2');
  await expect(row.getByTestId('blocked-count')).toHaveText('1');
  await shot(page, 'web-claude-sessions-list');
  // the blocked filter finds it by its refused tool call; a search finds it by the command
  await page.goto(`${baseURL}/sessions?mode=claude&outcome=blocked`);
  await expect(page.locator(`[data-testid="session-row"][data-id="${sessionId}"]`)).toBeVisible();
  await page.goto(`${baseURL}/sessions?q=${encodeURIComponent('rm -rf /srv')}`);
  await expect(page.getByTestId('session-row')).toHaveCount(1);
  await page.goto(`${baseURL}/sessions?mode=claude&outcome=reviewed`);
  await expect(page.getByTestId('session-row')).toHaveCount(0);
});

test('the conversation replays as a timeline: turns, answers, tool calls with their decisions, tokens', async ({ page }) => {
  test.skip(!claude || !sessionId, 'needs Claude Code and the conversation the test before records (it runs right after that one)');
  await ws.openAsAdmin(page, `/sessions/${sessionId}`);
  const detail = page.getByTestId('session-detail');
  await expect(detail).toHaveAttribute('data-kind', 'conversation');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Claude Code conversation on claude-api');
  await expect(page.getByTestId('stat-exchanges')).toHaveText('2');
  await expect(page.getByTestId('stat-tool-calls')).toHaveText('2');
  await expect(page.getByTestId('stat-blocked')).toHaveText('1');

  const exchanges = page.locator('[data-testid="exchange"][data-kind="messages"]');
  await expect(exchanges).toHaveCount(2);
  const [first, second] = [exchanges.nth(0), exchanges.nth(1)];
  // the user's prompt, not the context Claude Code adds around it
  await expect(first.getByTestId('turn-text')).toContainText(PROMPT);
  await expect(first.getByTestId('answer-text')).toHaveText('I will print the marker first.');
  await expect(first.getByTestId('tool-call-summary')).toHaveText(`$ echo ${MARKER}`);
  await expect(first.getByTestId('guard-decision')).toHaveText('Passed');
  await expect(first.getByTestId('stop-reason')).toHaveText('tool use');
  await expect(first.getByTestId('exchange-latency')).toContainText('first byte');
  await expect(first.getByTestId('exchange-tokens')).toHaveText('42 in · 7 out');
  await expect(first.getByTestId('truncated-mark')).toHaveCount(0);
  await expect(first.getByTestId('request-facts')).toContainText('first 64.0 KB recorded');

  // the second request resends the first: only what is new shows, the command's output
  await expect(second.getByTestId('turn-message')).toHaveCount(1);
  await expect(second.getByTestId('tool-result')).toContainText(MARKER);
  await expect(second.getByTestId('request-facts')).toContainText('earlier message');
  await expect(second.getByTestId('turn-text')).toHaveCount(0);
  const refused = second.getByTestId('tool-call');
  await expect(refused).toHaveAttribute('data-outcome', 'blocked');
  await expect(refused.getByTestId('guard-decision')).toHaveText('Blocked by rm-recursive-broad');
  await expect(refused.getByTestId('tool-call-summary')).toHaveText('$ rm -rf /srv/app');
  await shot(page, 'web-claude-session');

  // the full request, as recorded: every message, and the raw body cut at 64 KB
  await second.getByTestId('open-full-request').click();
  const dialog = page.getByTestId('full-request');
  await expect(dialog.getByRole('heading')).toHaveText('Request of exchange 2');
  // the prompt, the model's first answer and the command's output (and any note Claude Code adds for the model)
  await expect(dialog.locator('[data-testid="turn-message"][data-role="assistant"]')).toHaveCount(1);
  await expect(dialog.locator('[data-testid="turn-message"][data-role="user"]')).toHaveCount(2);
  await expect(dialog.getByTestId('turn-text').first()).toContainText(PROMPT);
  await page.screenshot({ path: path.join(SHOTS, 'web-claude-full-request.png') });
  await dialog.getByRole('button', { name: 'Raw body' }).click();
  await expect(dialog.getByTestId('raw-body')).toContainText('"messages"');
  await expect(dialog.getByTestId('truncated-mark')).toBeVisible();
});
