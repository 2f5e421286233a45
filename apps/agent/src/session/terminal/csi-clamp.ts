/**
 * Bounds the counts of terminal control sequences that a terminal emulator performs one step at a time, before the
 * tracker's emulator sees them: scroll up/down (`CSI n S/T`), insert/delete lines (`L/M`), insert/delete/erase
 * characters (`@/P/X`) and repeat (`b`). The emulator accepts counts up to 2^31 and takes microseconds a step, so
 * `printf '\e[2147483647S'` in a session would stop the agent for hours. A count past what the screen holds does
 * nothing more on screen, so it is lowered to that. A sequence split across output chunks is held until it ends; one
 * too long to be real is dropped (the screen reading may then be off, and an unreadable line is refused anyway).
 */
const BOUNDED = new Set(['S', 'T', 'L', 'M', '@', 'P', 'X', 'b']);
const MAX_PENDING = 64;

export class CsiClamp {
  private pending = '';

  /** `size()`: the screen's columns and rows now */
  constructor(private readonly size: () => { cols: number; rows: number }) {}

  filter(data: string): string {
    const s = this.pending + data;
    this.pending = '';
    let out = '';
    let i = 0;
    while (i < s.length) {
      const esc = nextCsi(s, i);
      if (esc === -1) {
        out += s.slice(i);
        break;
      }
      out += s.slice(i, esc);
      const paramsAt = s[esc] === '\x9b' ? esc + 1 : esc + 2;
      let j = paramsAt;
      while (j < s.length && j - esc <= MAX_PENDING && /[0-9;:?>=!<]/.test(s[j]!)) j++;
      if (j - esc > MAX_PENDING) {
        // not a sequence any program sends: drop it up to its final byte (or all we have of it)
        while (j < s.length && !/[@-~]/.test(s[j]!)) j++;
        i = j + 1;
        continue;
      }
      if (j >= s.length) {
        this.pending = s.slice(esc);
        break;
      }
      const final = s[j]!;
      const params = s.slice(paramsAt, j);
      out += s.slice(esc, paramsAt) + (BOUNDED.has(final) ? clampParams(params, this.limitFor(final)) : params) + final;
      i = j + 1;
    }
    return out;
  }

  private limitFor(final: string): number {
    const { cols, rows } = this.size();
    if (final === 'S' || final === 'T' || final === 'L' || final === 'M') return rows;
    if (final === 'b') return Math.min(cols * rows, 20_000);
    return cols;
  }
}

function nextCsi(s: string, from: number): number {
  for (let k = from; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c === 0x9b) return k;
    if (c === 0x1b) {
      if (k + 1 >= s.length) return k; // an ESC at the end: wait for what follows
      if (s[k + 1] === '[') return k;
    }
  }
  return -1;
}

function clampParams(params: string, limit: number): string {
  return params.replace(/\d+/g, (d) => (d.length > 6 || Number(d) > limit ? String(limit) : d));
}
