import { describe, expect, it } from 'vitest';
import { requestMaskPolicy } from './held-request';
import { MaskCache } from './mask-cache';
import { NO_TOOL_USE, RequestRefusal } from './mask-request';
import type { AgentConnection } from '@hoop/protocol';
import { hooksFor } from '../session/policy-hooks';
import { conversationPolicy, fixedConversationPolicy } from './policy';
import { keysIn, keysOf, maskRequestBody } from './request-body';

const EMAIL = 'ann.lee@example.com';
const CARD = '4111 1111 1111 1111';
const TOOLS = ['Bash', 'Read', 'Grep', 'mcp__hoop__run_query'].map((name) => ({ name, description: name, input_schema: { type: 'object' } }));

type Block = Record<string, unknown>;
const user = (content: string | Block[]) => ({ role: 'user', content });
const use = (id: string, name: string, input: Record<string, unknown> = {}) => ({ role: 'assistant', content: [{ type: 'tool_use', id, name, input }] });
const result = (id: string, content: string | Block[], extra: Block = {}) => user([{ type: 'tool_result', tool_use_id: id, content, ...extra }]);
const request = (messages: unknown[], extra: Block = {}) => ({ model: 'claude-sonnet-4-5', max_tokens: 100, tools: TOOLS, messages, ...extra });

/** masks a request (given as a value, or as raw JSON text) with a policy document: the body sent, parsed, and the report */
function mask(body: unknown, document: Record<string, unknown> | null = null, cache = new MaskCache()) {
  const raw = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  const out = maskRequestBody(raw, requestMaskPolicy(fixedConversationPolicy(document && { name: 'test', ...document })), cache);
  return { ...out, raw, sent: out.body.toString('utf8'), json: JSON.parse(out.body.toString('utf8')) as { messages: { content: Block[] }[] } };
}

const refusal = (body: string) => {
  try {
    mask(body);
  } catch (err) {
    if (err instanceof RequestRefusal) return err;
    throw err;
  }
  throw new Error('not refused');
};

describe('masking what the model reads: tool results', () => {
  it('masks Bash and MCP results and data-file reads, and passes source-code reads as they are', () => {
    const r = mask(
      request([
        user('look at the customers'),
        use('t1', 'Bash', { command: 'psql -c "select * from customers"' }),
        result('t1', `ann | ${EMAIL} | ${CARD}`),
        use('t2', 'mcp__hoop__run_query', { sql: 'select 1' }),
        result('t2', [{ type: 'text', text: `{"rows":[{"contact":"${EMAIL}"}]}` }]),
        use('t3', 'Read', { file_path: '/srv/app/src/mailer.ts' }),
        result('t3', `const FROM = '${EMAIL}';`),
        use('t4', 'Read', { file_path: '/srv/exports/dump.CSV' }),
        result('t4', `1,${EMAIL}`),
        use('t5', 'Read', { file_path: '../x.csv' }),
        result('t5', `2,${EMAIL}`),
      ]),
    );
    expect(r.masked).toBe(true);
    const results = r.json.messages.flatMap((m) => (Array.isArray(m.content) ? m.content : [])).filter((b) => b.type === 'tool_result');
    expect(results.map((b) => b.content)).toEqual([
      'ann | [EMAIL] | [CARD]',
      [{ type: 'text', text: '{"rows":[{"contact":"[EMAIL]"}]}' }],
      `const FROM = '${EMAIL}';`,
      '1,[EMAIL]',
      '2,[EMAIL]',
    ]);
    expect(r.report.toolResults).toEqual({
      Bash: { checked: 1, passed: 0, values: { email: 1, card: 1 } },
      mcp__hoop__run_query: { checked: 1, passed: 0, values: { email: 1 } },
      Read: { checked: 2, passed: 1, values: { email: 2 } },
    });
    expect(r.report.values).toEqual({ email: 4, card: 1 });
    // the tool calls themselves are not rewritten
    expect(r.json.messages[1]).toEqual(use('t1', 'Bash', { command: 'psql -c "select * from customers"' }));
  });

  it('masks searches of data files whole, and the lines a search of a whole tree found in data files', () => {
    const found = [`src/mail.ts:3:const FROM = '${EMAIL}';`, `exports/dump.csv:7:7,${EMAIL}`, `exports/dump.csv-8-8,${CARD}`, 'src/a.ts-4-}'].join('\n');
    const r = mask(
      request([
        use('g1', 'Grep', { pattern: 'example', path: 'exports/dump.csv' }),
        result('g1', `7,${EMAIL}`),
        use('g2', 'Grep', { pattern: 'example', glob: '**/*.{CSV,ts}' }),
        result('g2', `7,${EMAIL}`),
        use('g3', 'Grep', { pattern: 'example', type: 'sql' }),
        result('g3', `insert into t values ('${EMAIL}')`),
        use('g4', 'Grep', { pattern: 'example', output_mode: 'content', '-n': true }),
        result('g4', found),
        use('g5', 'Grep', { pattern: 'example', path: 'src' }),
        result('g5', `src/mail.ts:3:const FROM = '${EMAIL}';`),
      ]),
    );
    const out = r.json.messages.filter((_, i) => i % 2 === 1).map((m) => m.content[0]!.content);
    expect(out).toEqual([
      '7,[EMAIL]',
      '7,[EMAIL]',
      "insert into t values ('[EMAIL]')",
      [`src/mail.ts:3:const FROM = '${EMAIL}';`, 'exports/dump.csv:7:7,[EMAIL]', 'exports/dump.csv-8-8,[CARD]', 'src/a.ts-4-}'].join('\n'),
      `src/mail.ts:3:const FROM = '${EMAIL}';`,
    ]);
    expect(r.report.toolResults.Grep).toEqual({ checked: 4, passed: 1, values: { email: 4, card: 1 } });
  });

  it('names at most 50 tools in its report, counting the results of any more together', () => {
    const messages = Array.from({ length: 60 }, (_, i) => [use(`t${i}`, `mcp__x__tool${i}`), result(`t${i}`, EMAIL)]).flat();
    const r = mask(request(messages, { tools: Array.from({ length: 60 }, (_, i) => ({ name: `mcp__x__tool${i}` })) }));
    expect(Object.keys(r.report.toolResults)).toHaveLength(51);
    expect(r.report.toolResults['(other tools)']).toEqual({ checked: 10, passed: 0, values: { email: 10 } });
    expect(r.sent).not.toContain(EMAIL);
  });

  it('sends the very bytes that came when nothing is masked, escapes and spacing as they were', () => {
    const raw = `{ "model" : "claude-sonnet-4-5", "max_tokens":100,\n "messages": [{"role":"user","content":"caf\\u00e9 au lait"}] }`;
    const r = mask(raw);
    expect(r.masked).toBe(false);
    expect(r.body).toBe(r.raw);
  });

  it('masks the same request the same way every time (prompt caching keeps its prefix), hash tokens included', () => {
    const doc = { masking: { defaultStyle: 'hash' } };
    const body = request([use('t1', 'Bash'), result('t1', `${EMAIL} and ${EMAIL}`)]);
    const a = mask(body, doc);
    const b = mask(body, doc);
    expect(a.sent).toBe(b.sent);
    expect(a.sent).toMatch(/\[EMAIL:[0-9a-f]{12}\] and \[EMAIL:[0-9a-f]{12}\]/);
    expect(a.sent).not.toContain(EMAIL);
  });

  it('masks a result whose tool_use_id names no earlier call, or a later one: it cannot be told apart', () => {
    const r = mask(request([result('nowhere', EMAIL), result('t9', `${EMAIL}!`), use('t9', 'Read', { file_path: 'src/a.ts' })]));
    expect(r.sent).not.toContain(EMAIL);
    expect(r.report.toolResults[NO_TOOL_USE]).toEqual({ checked: 2, passed: 0, values: { email: 2 } });
  });

  it('does not let case, a look-alike name, or a reused id turn masking off', () => {
    const tools = [...TOOLS, { name: 'BASH', input_schema: {} }];
    const r = mask(
      request(
        [
          use('a', 'BASH'),
          result('a', EMAIL),
          // Cyrillic а: not a tool the request defines
          use('b', 'Bаsh'),
          result('b', EMAIL),
          // one id for a source read and a Bash call
          { role: 'assistant', content: [{ type: 'tool_use', id: 'c', name: 'Read', input: { file_path: 'a.ts' } }] },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'c', name: 'Bash', input: {} }] },
          result('c', EMAIL),
          // a Read that names no path
          use('d', 'Read', { path: 'dump.csv' }),
          result('d', EMAIL),
        ],
        { tools },
      ),
    );
    expect(r.sent).not.toContain(EMAIL);
    expect(Object.values(r.report.toolResults).reduce((n, t) => n + t.checked, 0)).toBe(4);
  });

  it('searches nested content, error results, fields a client adds and JSON inside a string (escapes decoded, keys heard); images are left', () => {
    const image = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } };
    const inner = JSON.stringify({ owner: 'ann.lee\u0040example.com', ssn: '123-45-6789' }).replace('@', '\\u0040');
    const r = mask(
      request([
        use('t1', 'mcp__db__query'),
        result('t1', [{ type: 'text', text: inner }, image, { type: 'search_result', source: 'x', title: 't', content: [{ type: 'text', text: EMAIL }] }]),
        use('t2', 'Bash', { command: 'false' }),
        result('t2', `error: no user ${EMAIL}`, { is_error: true, note: EMAIL }),
      ]),
      { claude: { mask: { toolResults: ['mcp__*', 'Bash'] } } },
    );
    const content = r.json.messages[1]!.content[0]!.content as Block[];
    expect(JSON.parse(String(content[0]!.text))).toEqual({ owner: '[EMAIL]', ssn: '[SSN]' });
    expect(content[1]).toEqual(image);
    expect(content[2]).toEqual({ type: 'search_result', source: 'x', title: 't', content: [{ type: 'text', text: '[EMAIL]' }] });
    expect(r.json.messages[3]!.content[0]).toEqual({
      type: 'tool_result',
      tool_use_id: 't2',
      content: 'error: no user [EMAIL]',
      is_error: true,
      note: '[EMAIL]',
    });
  });

  it('reads \\u escapes of the request itself as the characters they are', () => {
    const raw = JSON.stringify(request([use('t1', 'Bash'), result('t1', 'mail: ann.lee#example.com')])).replace('#', '\\u0040');
    expect(raw).toContain('\\u0040');
    expect(mask(raw).json.messages[1]!.content[0]!.content).toBe('mail: [EMAIL]');
  });

  it('masks every tool result, source reads too, when the policy does not validate', () => {
    const r = mask(request([use('t1', 'Read', { file_path: 'src/a.ts' }), result('t1', EMAIL)]), { claude: { mask: { nonsense: true } } });
    expect(r.sent).not.toContain(EMAIL);
  });

  it('applies a policy pushed during the conversation from the next request on, the texts masked before not reused', () => {
    let conn: AgentConnection = { id: 'c1', name: 'claude-api', type: 'anthropic', config: {}, secretRef: null, readOnly: false, policy: null };
    const current = () => conn;
    const policy = conversationPolicy(current, hooksFor(current, 'key'));
    const cache = new MaskCache();
    const body = Buffer.from(JSON.stringify(request([use('t1', 'Bash'), result('t1', `${EMAIL} ${CARD}`)])));
    const sent = () => JSON.parse(maskRequestBody(body, requestMaskPolicy(policy), cache).body.toString()).messages[1].content[0].content;
    expect(sent()).toBe('[EMAIL] [CARD]');
    conn = { ...conn, policy: { name: 'p', masking: { disabledTypes: ['card'] } } };
    expect(sent()).toBe(`[EMAIL] ${CARD}`);
    conn = { ...conn, policy: { name: 'p', claude: { mask: { toolResults: ['Read'] } } } };
    expect(sent()).toBe(`${EMAIL} ${CARD}`);
  });

  it("follows the policy's masking: a disabled type passes, an empty tool list passes Bash", () => {
    const body = request([use('t1', 'Bash'), result('t1', `${EMAIL} ${CARD}`)]);
    expect(mask(body, { masking: { disabledTypes: ['email'] } }).json.messages[1]!.content[0]!.content).toBe(`${EMAIL} [CARD]`);
    const passed = mask(body, { claude: { mask: { toolResults: [] } } });
    expect(passed.masked).toBe(false);
    expect(passed.report.toolResults).toEqual({ Bash: { checked: 0, passed: 1, values: {} } });
  });
});

describe('masking what the model reads: the conversation text', () => {
  it("masks the user's text, Claude Code's system-reminder framing with it, assistant text and the system prompt", () => {
    const reminder = `<system-reminder>\nContents of CLAUDE.md: the on-call is ${EMAIL}\n</system-reminder>`;
    const r = mask(
      request(
        [
          user([
            { type: 'text', text: reminder },
            { type: 'text', text: `refund ${CARD}`, cache_control: { type: 'ephemeral' } },
          ]),
          {
            role: 'assistant',
            content: [
              { type: 'thinking', thinking: `user wrote ${EMAIL}`, signature: 'sig' },
              { type: 'text', text: `I will email ${EMAIL}` },
            ],
          },
          user(`and ${EMAIL}`),
        ],
        { system: [{ type: 'text', text: `You help ${EMAIL}` }] },
      ),
    );
    expect(r.json.messages[0]!.content).toEqual([
      { type: 'text', text: '<system-reminder>\nContents of CLAUDE.md: the on-call is [EMAIL]\n</system-reminder>' },
      { type: 'text', text: 'refund [CARD]', cache_control: { type: 'ephemeral' } },
    ]);
    // thinking is signed by the API: left as it is
    expect(r.json.messages[1]!.content).toEqual([
      { type: 'thinking', thinking: `user wrote ${EMAIL}`, signature: 'sig' },
      { type: 'text', text: 'I will email [EMAIL]' },
    ]);
    expect(r.json.messages[2]!.content).toBe('and [EMAIL]');
    expect((r.json as unknown as { system: Block[] }).system).toEqual([{ type: 'text', text: 'You help [EMAIL]' }]);
    expect(r.report.text).toEqual({ email: 4, card: 1 });
  });

  it('passes the text as it is with userText off, and still masks tool results', () => {
    const r = mask(request([user(`hi ${EMAIL}`), use('t1', 'Bash'), result('t1', EMAIL)]), { claude: { mask: { userText: false } } });
    expect(r.json.messages[0]!.content).toBe(`hi ${EMAIL}`);
    expect(r.json.messages[2]!.content[0]!.content).toBe('[EMAIL]');
  });

  it('masks a value split over two text blocks, as one block that keeps the cache breakpoint of the last', () => {
    const r = mask(
      request([
        user([
          { type: 'text', text: 'my card is 4111 1111' },
          { type: 'text', text: ' 1111 1111, thanks', cache_control: { type: 'ephemeral' } },
        ]),
        use('t1', 'Bash'),
        result('t1', [
          { type: 'text', text: 'ann.lee@exam' },
          { type: 'text', text: 'ple.com' },
        ]),
      ]),
    );
    expect(r.json.messages[0]!.content).toEqual([{ type: 'text', text: 'my card is [CARD], thanks', cache_control: { type: 'ephemeral' } }]);
    expect(r.json.messages[2]!.content[0]!.content).toEqual([{ type: 'text', text: '[EMAIL]' }]);
    expect(r.report.mergedBlocks).toBe(4);
  });
});

describe('requests hoop cannot read are refused, never passed on unchecked', () => {
  it('refuses what is not JSON, not UTF-8, names a key twice, or nests too deep', () => {
    expect(refusal('{"model": "x", "messages": [').message).toMatch(/^hoop: the request body is not JSON/);
    expect(refusal('\uFEFF{}').status).toBe(400);
    const latin1 = Buffer.concat([Buffer.from('{"messages":[{"role":"user","content":"caf'), Buffer.from([0xe9]), Buffer.from('"}]}')]);
    expect(() => maskRequestBody(latin1, requestMaskPolicy(fixedConversationPolicy(null)), new MaskCache())).toThrow(/not UTF-8/);
    const twice = `{"messages":[{"role":"user","content":"${EMAIL}","content":"hello"}]}`;
    expect(refusal(twice).message).toMatch(/names a key twice/);
    // masked, the body is serialized from what was read: each key once, the value read masked, the other gone
    const maskedTwice = mask(`{"messages":[{"role":"user","content":"hello","content":"${EMAIL}"}]}`);
    expect(maskedTwice.sent).toBe('{"messages":[{"role":"user","content":"[EMAIL]"}]}');
    let deep: unknown = { type: 'text', text: EMAIL };
    for (let i = 0; i < 100; i++) deep = { type: 'search_result', content: [deep] };
    const r = refusal(JSON.stringify(request([use('t1', 'Bash'), result('t1', [deep as Block])])));
    expect(r.message).toMatch(/nests deeper/);
  });

  it('counts the keys of the text and of the value alike, escapes and quotes in strings included', () => {
    const text = '{"a":{"b\\"":"x\\\\","c":[{"d":1},"e:"]}, "f" : "\\u0022g\\":1"}';
    expect(keysIn(Buffer.from(text))).toBe(keysOf(JSON.parse(text)));
    expect(keysOf(JSON.parse(text))).toBe(5);
  });
});
