/** Command-line options the way getopt reads them, for the programs whose arguments the guard has to understand. */
export interface OptionSpec {
  /** short options that take a value: `u` for `-u root` and `-uroot` */
  short?: string;
  /** long options that take a value: `user` for `--user root` and `--user=root` */
  long?: string[];
  /** `+o` counts as an option too (shells) */
  plus?: boolean;
}

export interface Options {
  /** index of the first operand (the first word that is not an option), or words.length */
  operand: number;
  /** every option seen, short ones by letter, long ones by name, with its value ('' when none) and the word it is in */
  seen: Map<string, { value: string; index: number }>;
  /** the same, in order and with repeats (`psql -c 'a' -c 'b'`) */
  all: { name: string; value: string; index: number }[];
}

/** Reads options from `words[start]` on, up to the first operand or `--`. */
export function readOptions(words: readonly string[], start: number, spec: OptionSpec): Options {
  const seen = new Map<string, { value: string; index: number }>();
  const all: Options['all'] = [];
  const set = (name: string, value: string, index: number) => {
    seen.set(name, { value, index });
    all.push({ name, value, index });
  };
  let i = start;
  while (i < words.length) {
    const w = words[i]!;
    if (w === '--') return { operand: i + 1, seen, all };
    if (w.startsWith('--') && w.length > 2) {
      const eq = w.indexOf('=');
      const name = w.slice(2, eq < 0 ? undefined : eq);
      if (eq >= 0) set(name, w.slice(eq + 1), i);
      else if (spec.long?.includes(name)) set(name, words[i + 1] ?? '', ++i);
      else set(name, '', i);
      i++;
      continue;
    }
    if (w.length < 2 || !(w[0] === '-' || (spec.plus && w[0] === '+'))) break;
    for (let k = 1; k < w.length; k++) {
      const letter = w[k]!;
      if (spec.short?.includes(letter)) {
        if (k + 1 < w.length) set(letter, w.slice(k + 1), i);
        else set(letter, words[i + 1] ?? '', ++i);
        break;
      }
      set(letter, '', i);
    }
    i++;
  }
  return { operand: i, seen, all };
}

/** `-rf`, `-fr`, `-R`, `--recursive`: whether any option word before `--` holds one of the letters or long names */
export function hasFlag(words: readonly string[], letters: string, long: string[] = []): boolean {
  for (const w of words) {
    if (w === '--') return false;
    if (w.startsWith('--')) {
      if (long.includes(w.slice(2).split('=')[0]!)) return true;
    } else if (w.startsWith('-') && w.length > 1) {
      for (const c of w.slice(1)) if (letters.includes(c)) return true;
    }
  }
  return false;
}

/** indexes of the words that are not options (everything after `--` counts) */
export function operandIndexes(words: readonly string[], start = 0): number[] {
  const out: number[] = [];
  let done = false;
  for (let i = start; i < words.length; i++) {
    const w = words[i]!;
    if (!done && w === '--') done = true;
    else if (done || !w.startsWith('-') || w === '-') out.push(i);
  }
  return out;
}
