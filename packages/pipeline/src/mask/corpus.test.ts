import { describe, expect, it } from 'vitest';
import { createMasker } from './masker';
import { findPii } from './scan';
import { LABELS } from './style';
import { DECOYS, decoyCount } from './testdata/decoys';
import { IN_CONTEXT, POSITIVES } from './testdata/positives';
import type { PiiType } from './types';

const masker = createMasker({ hashKey: 'corpus-key-0123456789' });
const mask = (text: string) => masker.maskText(text).text;

describe('corpus', () => {
  it('holds hundreds of values', () => {
    const positives = Object.values(POSITIVES).reduce((n, xs) => n + xs.length, 0);
    expect(positives).toBeGreaterThan(700);
    expect(decoyCount()).toBeGreaterThan(250);
  });

  for (const [type, values] of Object.entries(POSITIVES) as [PiiType, string[]][]) {
    it(`finds every ${type}, alone and inside text, with exact bounds`, () => {
      const label = `[${LABELS[type]}]`;
      const missed: string[] = [];
      for (const v of values) {
        if (mask(v) !== label) missed.push(`alone: ${v} -> ${mask(v)}`);
        const sentence = `note: ${v} (see above)`;
        if (mask(sentence) !== `note: ${label} (see above)`) missed.push(`in text: ${v} -> ${mask(sentence)}`);
        const spans = findPii(`x ${v} y`);
        if (spans.length !== 1 || spans[0]!.type !== type) missed.push(`type: ${v} -> ${JSON.stringify(spans)}`);
      }
      expect(missed).toEqual([]);
    });
  }

  it('masks credentials and keeps what surrounds them', () => {
    for (const [input, expected] of IN_CONTEXT) expect(mask(input), input).toBe(expected);
  });

  for (const [kind, values] of Object.entries(DECOYS)) {
    it(`leaves ${kind} alone`, () => {
      const masked = values.flatMap((v) => [v, `ref ${v} end`, `${v}\t${v}`].filter((t) => mask(t) !== t).map((t) => `${t} -> ${mask(t)}`));
      expect(masked).toEqual([]);
    });
  }

  it('finds positives among decoys in one text', () => {
    const text = `order ${DECOYS.orderNumbers![0]} paid by ${POSITIVES.card![0]} on ${DECOYS.dates![0]}, id ${DECOYS.uuids![0]}, mail ${POSITIVES.email![0]}`;
    expect(mask(text)).toBe(`order ${DECOYS.orderNumbers![0]} paid by [CARD] on ${DECOYS.dates![0]}, id ${DECOYS.uuids![0]}, mail [EMAIL]`);
  });
});
