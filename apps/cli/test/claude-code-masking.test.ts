/**
 * What the model reads, masked, with the real Claude Code (`claude -p`): the scripted model asks for a Bash call whose
 * output holds an e-mail address and a card number (the command itself holds neither), Claude Code runs it and sends
 * the result back through hoop, and the scripted API must receive it masked, as must the user's own prompt; the
 * audit trail's request records hold the masked bodies, with what was masked, and never the values.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claudeCodeForTests, claudeEnv, type FakeAnthropic, type TestStack, startFakeAnthropic, startTestStack, waitFor } from '@hoop/devstack';

// skipped only when npm test announced it could not install Claude Code (and said why)
const CLAUDE = (await claudeCodeForTests()) ?? '';

let stack: TestStack;
let api: FakeAnthropic;

beforeAll(async () => {
  if (!CLAUDE) return;
  api = await startFakeAnthropic();
  stack = await startTestStack({ gatewayEnv: { HOOP_CLAUDE_IDLE_MS: '500' } });
  await stack.addConnection('claude-api', 'anthropic', { baseUrl: api.url }, 'sk-ant-api03-masking-test');
  await stack.startAgent();
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await api?.stop();
});

function claude(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = execFile(CLAUDE, args, { env, timeout: 90_000, cwd: env.HOME }, (e, out, err) =>
      resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out: String(out), err: String(err) }),
    );
    child.stdin?.end();
  });
}

const EMAIL = 'ann.lee@example.com';
const CARD = '4111 1111 1111 1111';
const PASTED = 'bo.diaz@example.org';

describe.skipIf(!CLAUDE)("Claude Code's requests reach the model masked", () => {
  it("masks a Bash result's e-mail and card number and the user's pasted address; the trail holds the masked bodies", async () => {
    const before = api.messages().length;
    api.enqueue(
      // prints the values without naming them: the model's own call holds neither
      { kind: 'tool_use', name: 'Bash', input: { command: "printf 'customer ann.lee%sexample.com card 4111 1111 1111 %s\\n' @ 1111", description: 'show' } },
      { kind: 'text', text: 'the customer is listed' },
    );
    const h = mkdtempSync(path.join(tmpdir(), 'hoop-claude-home-'));
    const r = await claude(
      ['-p', `look up the customer; they wrote from ${PASTED}`, '--allowedTools', 'Bash'],
      claudeEnv(h, `${stack.gatewayUrl}/anthropic/claude-api`, stack.adminToken),
    );
    expect(r.code, r.err + r.out).toBe(0);
    expect(r.out).toContain('the customer is listed');

    const got = api.messages().slice(before);
    const withResult = got.filter((m) => m.body.includes('"tool_result"'));
    expect(withResult.length).toBeGreaterThan(0);
    type Msg = { role: string; content: string | { type: string; content?: unknown; text?: string }[] };
    const messages = (JSON.parse(withResult[0]!.body) as { messages: Msg[] }).messages;
    const results = messages.flatMap((m) => (Array.isArray(m.content) ? m.content.filter((b) => b.type === 'tool_result') : []));
    expect(JSON.stringify(results)).toContain('customer [EMAIL] card [CARD]');
    for (const m of got) {
      expect(m.body).not.toContain(EMAIL);
      expect(m.body).not.toContain(CARD);
      expect(m.body).not.toContain(PASTED);
      expect(Number(m.headers['content-length'])).toBe(Buffer.byteLength(m.body));
    }
    expect(got[0]!.body).toContain('they wrote from [EMAIL]');

    // the trail: every request recorded as sent (its first 64 KB), with what was masked, never the values
    type Rec = { body: string; bytes: number; truncated: boolean; masked?: { toolResults: Record<string, { values: Record<string, number> }> } };
    const records = await waitFor('the masked tool result in the trail', async () => {
      const e = await stack.db.auditEvent.findMany({ where: { type: 'model.request' }, orderBy: { id: 'asc' } });
      return e.some((x) => (x.data as Rec).masked?.toolResults.Bash) ? e.map((x) => x.data as Rec) : null;
    });
    for (const rec of records) {
      const text = JSON.stringify(rec);
      expect(text).not.toContain(EMAIL);
      expect(text).not.toContain(PASTED);
      expect(text).not.toContain(CARD);
    }
    const bash = records.find((x) => x.masked?.toolResults.Bash)!;
    expect(bash.masked!.toolResults.Bash!.values).toEqual({ email: 1, card: 1 });
    // the record is the body as sent: the scripted API received what the trail holds
    expect(withResult.some((m) => m.body.startsWith(bash.body) && Buffer.byteLength(m.body) === bash.bytes)).toBe(true);
  });
});
