import { describe, expect, it } from 'vitest';
import { joinWords, splitWords } from './command-words';

describe('command words', () => {
  it('split like a shell: quotes group, backslashes escape', () => {
    expect(splitWords('bash --noprofile --norc -c {}')).toEqual(['bash', '--noprofile', '--norc', '-c', '{}']);
    expect(splitWords(`psql "host=db user=ro" -c 'select 1'`)).toEqual(['psql', 'host=db user=ro', '-c', 'select 1']);
    expect(splitWords(String.raw`a\ b "x\"y" ''`)).toEqual(['a b', 'x"y', '']);
    expect(splitWords('   ')).toEqual([]);
  });

  it('join so that splitting gives the same words back', () => {
    for (const words of [
      ['bash', '-c', '{}'],
      ['psql', 'host=db user=ro', '-c', "it's"],
      ['echo', '', '$HOME'],
    ]) {
      expect(splitWords(joinWords(words))).toEqual(words);
    }
    expect(joinWords(['bash', '-c', '{}'])).toBe('bash -c {}');
  });
});
