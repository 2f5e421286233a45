/**
 * Property tests of the policy loader against hostile documents: random JSON and YAML trees, valid policies with one
 * part replaced, removed or given the wrong type, YAML text garbled before it is parsed, and values no JSON has
 * (NaN, Infinity, -0, huge numbers, objects with `__proto__` keys). A document loads, or is refused with a PolicyError
 * that lists what is wrong; it never throws anything else, never takes long, and never changes Object.prototype.
 * HOOP_FUZZ_RUNS=N runs N cases per property (a longer local search); HOOP_FUZZ_SEED replays a reported seed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { BUILTIN_RULE_IDS, parsePolicy, type Policy, PolicyError, SHELL_BUILTIN_RULE_IDS } from './schema';

/** CPU time of this process in ms: a bound on it holds on a loaded machine, where wall time does not. */
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const RUNS = Number(process.env.HOOP_FUZZ_RUNS) || 200;
const fuzz: fc.Parameters<unknown> = {
  numRuns: RUNS,
  interruptAfterTimeLimit: process.env.HOOP_FUZZ_RUNS ? undefined : 5000,
  seed: process.env.HOOP_FUZZ_SEED ? Number(process.env.HOOP_FUZZ_SEED) : undefined,
};
/** No document of a few KiB may take this long to check (a generous bound: it takes well under a millisecond). */
const CALL_MS = 1000;

/** Holds parsePolicy to its contract; returns the policy, or the PolicyError it refused the document with. */
function load(doc: unknown): Policy | PolicyError {
  const t0 = cpuMs();
  let out: Policy | PolicyError;
  try {
    out = parsePolicy(doc);
  } catch (err) {
    if (!(err instanceof PolicyError)) throw err;
    expect(err.issues.length).toBeGreaterThan(0);
    for (const issue of err.issues) expect(issue).toMatch(/^\S.*: \S/);
    expect(err.message).toMatch(/^invalid policy:\n {2}- /);
    out = err;
  }
  expect(cpuMs() - t0).toBeLessThan(CALL_MS);
  expect(Object.keys(Object.prototype)).toEqual([]);
  return out;
}

/** What loads is stored and loaded again (by the gateway, then every agent): it must load to itself. */
function reloads(p: Policy): void {
  expect(parsePolicy(p)).toEqual(p);
  expect(parsePolicy(JSON.parse(JSON.stringify(p)))).toEqual(p);
}
/** YAML takes ~10 ms a policy each way: the properties that go through it run fewer cases. */
const yamlFuzz = { ...fuzz, numRuns: Math.max(20, Math.round(RUNS / 5)) };

// ── valid policies ─────────────────────────────────────────────────────────────────────────────────────────────────

const word = fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/);
const ruleId = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/);
const text = (max: number) => fc.string({ unit: 'grapheme', maxLength: max });
const action = fc.constantFrom('allow', 'deny', 'review');
const role = fc.constantFrom('admin', 'reviewer', 'auditor', 'developer');
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const setting = fc.record({ enabled: opt(fc.boolean()), action: opt(action) }, { requiredKeys: [] });
const builtins = (ids: readonly string[]) => fc.dictionary(fc.constantFrom(...ids), setting, { maxKeys: 4 });
const names = fc.array(fc.oneof(word, fc.constantFrom('public.*', 'audit_*', 'pg_catalog.pg_*')), { minLength: 1, maxLength: 3 });

const customRule = fc.record(
  {
    id: ruleId,
    action,
    message: text(40),
    hint: text(40),
    match: fc.oneof(
      fc.record({ kinds: fc.array(fc.constantFrom('read', 'write', 'ddl', 'admin', 'transaction', 'utility', 'unknown'), { minLength: 1, maxLength: 3 }) }),
      fc.record({ commands: fc.array(fc.constantFrom('SELECT', 'DELETE', 'DROP TABLE', 'CREATE INDEX'), { minLength: 1, maxLength: 2 }) }),
      fc.record({ tables: names, functions: opt(names) }, { requiredKeys: ['tables'] }),
    ),
  },
  { requiredKeys: ['id', 'action', 'match'] },
);
const shellRule = fc.record(
  { id: ruleId, action, message: text(40), match: fc.record({ commands: opt(names), args: names }, { requiredKeys: ['args'] }) },
  { requiredKeys: ['id', 'action', 'match'] },
);

const policy = fc.record(
  {
    name: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }),
    version: fc.integer({ min: 1, max: 1_000_000 }),
    description: text(80),
    connections: fc.record({ names: fc.array(word, { maxLength: 3 }), tags: fc.array(word, { maxLength: 3 }) }, { requiredKeys: [] }),
    readOnly: fc.boolean(),
    access: fc.record(
      { connect: fc.array(role, { maxLength: 2 }), exec: fc.array(role, { maxLength: 2 }), mcp: fc.array(role, { maxLength: 2 }) },
      { requiredKeys: [] },
    ),
    guardrails: fc.record(
      {
        builtins: builtins(BUILTIN_RULE_IDS),
        rules: fc.array(customRule, { maxLength: 3 }),
        shell: fc.record({ builtins: builtins(SHELL_BUILTIN_RULE_IDS), rules: fc.array(shellRule, { maxLength: 2 }) }, { requiredKeys: [] }),
      },
      { requiredKeys: [] },
    ),
    limits: fc.record(
      {
        maxRows: fc.integer({ min: 1, max: 100_000 }),
        maxBytes: fc.integer({ min: 1024, max: 100 * 1024 * 1024 }),
        statementTimeoutMs: fc.integer({ min: 100, max: 3_600_000 }),
        callsPerMinute: fc.integer({ min: 1, max: 10_000 }),
      },
      { requiredKeys: [] },
    ),
    masking: fc.record(
      {
        enabled: fc.boolean(),
        defaultStyle: fc.constantFrom('redact', 'partial', 'hash', 'null'),
        styles: fc.dictionary(fc.constantFrom('email', 'card', 'ssn', 'phone', 'jwt'), fc.constantFrom('redact', 'partial', 'hash', 'null'), { maxKeys: 3 }),
        allowColumns: fc.array(fc.oneof(word, fc.constant('*_id')), { maxLength: 3 }),
        disabledTypes: fc.array(fc.constantFrom('email', 'ip', 'name', 'address'), { maxLength: 2 }),
      },
      { requiredKeys: [] },
    ),
    ssh: fc.record({ portForwarding: fc.boolean() }, { requiredKeys: [] }),
    review: fc.record(
      {
        approvers: fc.record(
          {
            roles: fc.array(role, { maxLength: 2 }),
            users: fc.array(
              fc.tuple(word, word).map(([u, d]) => `${u}@${d}.example.com`),
              { maxLength: 2 },
            ),
          },
          { requiredKeys: [] },
        ),
        minApprovals: fc.integer({ min: 1, max: 10 }),
        allowSelfApproval: fc.boolean(),
        timeoutMinutes: fc.integer({ min: 1, max: 7 * 24 * 60 }),
        access: fc
          .tuple(fc.boolean(), fc.integer({ min: 1, max: 24 * 60 }), fc.integer({ min: 1, max: 7 * 24 * 60 }))
          .map(([required, a, b]) => ({ required, defaultMinutes: Math.min(a, b), maxMinutes: Math.max(a, b) })),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: ['name'] },
);

// ── hostile variants ───────────────────────────────────────────────────────────────────────────────────────────────

/** Values that break naive checks: wrong types, edges of every range, numbers JSON cannot carry, prototype names. */
const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    true,
    '',
    '0',
    'review',
    'admin',
    0,
    -0,
    -1,
    0.5,
    1e21,
    2 ** 53 + 2,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    [],
    {},
    [[]],
    'x'.repeat(5000),
  ),
  fc.constantFrom<unknown>(
    JSON.parse('{"__proto__":{"polluted":true}}'),
    { constructor: { prototype: { polluted: true } } },
    { toString: 1, valueOf: 'x' },
    Object.create(null),
  ),
  fc.jsonValue({ maxDepth: 4 }),
  fc.anything({
    maxDepth: 3,
    withNullPrototype: true,
    withBigInt: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withTypedArray: true,
    withSparseArray: true,
    withBoxedValues: true,
  }),
);

function paths(v: unknown, at: (string | number)[] = []): (string | number)[][] {
  const out = [at];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...at, i])));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...at, k]));
  return out;
}

const DELETE = Symbol('delete');
function replaceAt(v: unknown, path: (string | number)[], by: unknown): unknown {
  if (path.length === 0) return by === DELETE ? undefined : by;
  const [head, ...rest] = path;
  const copy = (Array.isArray(v) ? [...v] : { ...(v as object) }) as Record<string | number, unknown>;
  if (rest.length === 0 && by === DELETE) delete copy[head!];
  else copy[head!] = replaceAt(copy[head!], rest, by);
  return copy;
}

/** A valid policy with one to three of its parts replaced by odd values, or removed, or given an unknown key. */
const mutatedPolicy = fc
  .tuple(policy, fc.array(fc.tuple(fc.nat(), fc.oneof(fc.constant<unknown>(DELETE), oddValue), fc.option(word, { nil: null })), { minLength: 1, maxLength: 3 }))
  .map(([p, edits]) => {
    let doc: unknown = p;
    for (const [pick, by, extraKey] of edits) {
      const all = paths(doc);
      const path = all[pick % all.length]!;
      // either the value there changes, or a key nobody knows appears beside it
      doc = extraKey !== null && path.length > 0 ? replaceAt(doc, [...path.slice(0, -1), extraKey], by === DELETE ? 1 : by) : replaceAt(doc, path, by);
    }
    return doc;
  });

describe('parsePolicy on hostile documents', () => {
  it('loads every valid policy, to a document that loads to itself', () => {
    fc.assert(
      fc.property(policy, (p) => {
        const out = load(p);
        if (out instanceof PolicyError) throw new Error(`a valid policy was refused: ${out.message}`);
        reloads(out);
      }),
      fuzz,
    );
  });

  it('loads a policy written as YAML (as `hoop policy get -o yaml` prints it) to the same policy', () => {
    fc.assert(
      fc.property(policy, (p) => {
        const out = load(p) as Policy;
        expect(load(YAML.parse(YAML.stringify(out)))).toEqual(out);
      }),
      yamlFuzz,
    );
  });

  it('loads or refuses a policy with parts replaced, removed or unknown, with every issue named', () => {
    fc.assert(
      fc.property(mutatedPolicy, (doc) => {
        const out = load(doc);
        if (!(out instanceof PolicyError)) reloads(out);
      }),
      fuzz,
    );
  });

  it('answers random values and trees with a policy or a PolicyError', () => {
    fc.assert(
      fc.property(fc.oneof(oddValue, fc.dictionary(fc.string(), oddValue, { maxKeys: 6 })), (doc) => {
        load(doc);
      }),
      fuzz,
    );
  });

  it('loads or refuses whatever YAML makes of a policy whose text was garbled', () => {
    const garble = fc.oneof(
      fc.record({
        at: fc.nat(),
        s: fc.constantFrom(
          ':',
          '- ',
          '  ',
          '\t',
          '\n',
          '"',
          "'",
          '{',
          '}',
          '[',
          ']',
          '&a ',
          '*a',
          '!!str ',
          '!!binary ',
          '<<: ',
          '.inf',
          '.nan',
          '~',
          '0x1F',
          '1e999',
          '? ',
          '|',
          '>',
          '#',
        ),
      }),
      fc.record({ at: fc.nat(), s: fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }) }),
    );
    fc.assert(
      fc.property(fc.oneof(policy, mutatedPolicy), fc.array(garble, { minLength: 1, maxLength: 4 }), (p, edits) => {
        let text = YAML.stringify(p) ?? '';
        for (const e of edits) {
          const at = e.at % (text.length + 1);
          text = text.slice(0, at) + e.s + text.slice(at);
        }
        let doc: unknown;
        const t0 = cpuMs();
        try {
          // as `hoop policy apply -f` reads a file
          doc = YAML.parse(text, { logLevel: 'error' });
        } catch (err) {
          // the CLI reports YAML's own error; whatever it is, it has a message
          expect((err as Error).message.length).toBeGreaterThan(0);
          return;
        } finally {
          expect(cpuMs() - t0).toBeLessThan(CALL_MS);
        }
        const out = load(doc);
        if (!(out instanceof PolicyError)) reloads(out);
      }),
      yamlFuzz,
    );
  });
});

describe('parsePolicy edge cases', () => {
  it('refuses a deeply nested document quickly, without overflowing the stack', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    for (const doc of [
      deep,
      { name: 'deep', guardrails: { rules: deep } },
      { name: 'deep', masking: { styles: { email: deep } } },
      { name: 'deep', extra: deep },
    ]) {
      expect(load(doc)).toBeInstanceOf(PolicyError);
    }
    const text = `{"name":"deep","connections":{"names":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`;
    expect(load(JSON.parse(text))).toBeInstanceOf(PolicyError);
  });

  it('refuses long strings where limits apply, and checks long e-mail addresses in linear time', () => {
    expect(load({ name: 'x'.repeat(101) })).toBeInstanceOf(PolicyError);
    expect(load({ name: 'p', description: 'x'.repeat(2001) })).toBeInstanceOf(PolicyError);
    for (const user of [`${'a.'.repeat(50_000)}@`, `a@${'a.'.repeat(50_000)}1`, `a@${'a-'.repeat(50_000)}`, `${'a'.repeat(100_000)}@a.a`]) {
      expect(load({ name: 'p', review: { approvers: { users: [user] } } })).toBeInstanceOf(PolicyError);
    }
    // (a long address that is well formed loads: no length limit applies to it)
    expect(load({ name: 'p', review: { approvers: { users: [`${'-'.repeat(100_000)}@a.aa`] } } })).not.toBeInstanceOf(PolicyError);
  });

  it('keeps __proto__ keys from JSON and YAML as data, and refuses them as unknown', () => {
    for (const doc of [JSON.parse('{"name":"p","__proto__":{"readOnly":true}}'), YAML.parse('name: p\n__proto__:\n  readOnly: true\n')]) {
      const out = load(doc);
      expect(out).toBeInstanceOf(PolicyError);
      expect((out as PolicyError).issues.join('\n')).toMatch(/__proto__/);
    }
  });

  it('YAML alias bombs are refused by the parser before they reach the loader', () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 0; i < 12; i++)
      lines.push(
        `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(97 + i)}`)
          .join(',')}]`,
      );
    const t0 = cpuMs();
    expect(() => YAML.parse(lines.join('\n'))).toThrow(/alias/i);
    expect(cpuMs() - t0).toBeLessThan(CALL_MS);
  });
});
