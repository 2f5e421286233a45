import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createMasker } from '@hoop/pipeline';
import { reviewDigest, reviewText, sqlLiteral } from './review-subject';

const mask = (t: string) => createMasker().maskText(t).text;
const SQL = 'UPDATE accounts SET email = $1 WHERE id = $2';
const text = (...values: (string | null)[]) => values.map((v) => (v === null ? null : Buffer.from(v)));

describe('the digest of what an approval is for', () => {
  it('is the sha256 of the text for a statement with no values and nothing run by name, as it always was', () => {
    expect(reviewDigest({ sql: SQL })).toBe(createHash('sha256').update(SQL).digest('hex'));
    expect(reviewDigest({ sql: SQL, params: { types: [], formats: [], values: [] }, runs: [] })).toBe(reviewDigest({ sql: SQL }));
  });

  it('covers every value, its format and its type', () => {
    const base = reviewDigest({ sql: SQL, params: { types: [25, 23], formats: [], values: text('a@x.io', '1') } });
    const variants = [
      { types: [25, 23], formats: [], values: text('a@x.io', '2') },
      { types: [25, 23], formats: [], values: text('a@x.io', null) },
      { types: [25, 23], formats: [], values: text('a@x.io', '1', '') },
      { types: [25, 20], formats: [], values: text('a@x.io', '1') },
      { types: [25, 23], formats: [0, 1], values: text('a@x.io', '1') },
      // the bytes of two values cannot be shifted from one to the other
      { types: [25, 23], formats: [], values: text('a@x.io1', '') },
    ];
    for (const params of variants) expect(reviewDigest({ sql: SQL, params })).not.toBe(base);
    expect(reviewDigest({ sql: SQL, params: { types: [25, 23], formats: [0], values: text('a@x.io', '1') } })).toBe(base);
    expect(reviewDigest({ sql: SQL, params: { types: [25, 23], formats: [0, 0], values: text('a@x.io', '1') } })).toBe(base);
  });

  it('covers the text of each prepared statement an EXECUTE runs', () => {
    const run = (definition: string) => reviewDigest({ sql: 'EXECUTE s(1)', runs: [{ name: 's', definition }] });
    expect(run('PREPARE s AS DELETE FROM t WHERE id = $1')).not.toBe(run('PREPARE s AS SELECT $1'));
    expect(run('PREPARE s AS SELECT $1')).not.toBe(reviewDigest({ sql: 'EXECUTE s(1)' }));
  });
});

describe('what reviewers read', () => {
  it('the statement, then each value on a line of its own, masked', () => {
    expect(reviewText({ sql: SQL, params: { types: [0, 23], formats: [], values: text('ann@example.com', '7') } }, mask)).toBe(
      `${SQL}\n-- with the values:\n--   $1 = '[EMAIL]'\n--   $2 = '7' (int4)`,
    );
  });

  it('a value cannot pass for statement text: line breaks and invisible characters are escaped', () => {
    const shown = reviewText({ sql: SQL, params: { types: [], formats: [], values: text("x'\nDROP TABLE accounts; --", 'a\u202eb', null) } }, (t) => t);
    expect(shown.split('\n')).toEqual([SQL, '-- with the values:', "--   $1 = E'x''\\nDROP TABLE accounts; --'", "--   $2 = E'a\\u202eb'", '--   $3 = NULL']);
    expect(sqlLiteral('back\\slash')).toBe("'back\\slash'");
    expect(sqlLiteral('tab\there\\')).toBe("E'tab\\there\\\\'");
  });

  it('binary values are read for the types whose format says plainly what they are, and withheld otherwise', () => {
    const int4 = Buffer.alloc(4);
    int4.writeInt32BE(-42);
    const int8 = Buffer.alloc(8);
    int8.writeBigInt64BE(9007199254740993n);
    const values = [int4, int8, Buffer.from('bob@example.com'), Buffer.from([1, ...Buffer.from('{"a":1}')]), Buffer.from([0xde, 0xad, 0xbe, 0xef])];
    const shown = reviewText({ sql: 'select $1, $2, $3, $4, $5', params: { types: [23, 20, 25, 3802, 17], formats: [1], values } }, mask);
    expect(shown.split('\n').slice(2)).toEqual([
      "--   $1 = '-42' (int4, binary)",
      "--   $2 = '9007199254740993' (int8, binary)",
      "--   $3 = '[EMAIL]' (text, binary)",
      `--   $4 = '{"a":1}' (jsonb, binary)`,
      '--   $5 = 4 bytes in binary, not shown (bytea, binary)',
    ]);
  });

  it('a long value is cut where reviewers read it (the digest still covers all of it)', () => {
    const long = 'x'.repeat(5000);
    const shown = reviewText({ sql: 'select $1', params: { types: [], formats: [], values: [Buffer.from(long)] } }, (t) => t);
    expect(shown).toContain(`$1 = '${'x'.repeat(2000)}'… (5000 characters, cut)`);
  });

  it('each prepared statement EXECUTE runs, as it was prepared, every line of it a comment', () => {
    const shown = reviewText({ sql: "EXECUTE s('ann@example.com')", runs: [{ name: 's', definition: 'PREPARE s (text) AS\nUPDATE t SET email = $1' }] }, mask);
    expect(shown).toBe(
      "EXECUTE s('[EMAIL]')\n-- prepared statement 's', which EXECUTE runs, as prepared:\n--   PREPARE s (text) AS\n--   UPDATE t SET email = $1",
    );
  });

  it("a stated intent is shown masked, each line a comment, its end kept when long, and the digest is the statement's alone", () => {
    const cmd = 'rm -rf ./build';
    const intent = 'Cleaning up for ann@example.com.\nrm -rf / # and this line is words, not the command';
    const shown = reviewText({ sql: cmd, intent }, mask);
    expect(shown).toBe(
      [
        cmd,
        '-- asked for with these words (the intent stated before it):',
        '--   Cleaning up for [EMAIL].',
        '--   rm -rf / # and this line is words, not the command',
      ].join('\n'),
    );
    expect(reviewDigest({ sql: cmd, intent })).toBe(reviewDigest({ sql: cmd }));
    const long = reviewText({ sql: cmd, intent: `${'a'.repeat(5000)}THE END` }, (t) => t);
    expect(long).toContain(`--   …${'a'.repeat(3993)}THE END`);
    expect(reviewText({ sql: cmd, intent: '  \n ' }, mask)).toBe(cmd);
  });
});
