import type { BuiltinCommand, ProcessIo } from './exec';

const PROMPT = '# ';

/**
 * An interactive shell at a terminal (`kubectl exec -it pod -- sh`), standing in for one with a line editor: typed
 * keys are echoed and edited as readline does (Backspace, Ctrl-U/W/A/E, Left/Right, Up/Down through its history,
 * Ctrl-L and `clear` clear the screen, Ctrl-C abandons the line, Ctrl-D on an empty line ends it; bracketed-paste
 * marks are dropped), and each line entered is run: words split as a shell does (quotes, backslashes, `#` comments),
 * statements separated by `;`, `&&` or newlines, each one of `commands` (rm, tar, echo… of the kit) or `exit`.
 * `lines` records every line it ran, as the container would have run it. With `-c` it is the kit's `sh -c`.
 */
export function ttyShell(commands: () => Record<string, BuiltinCommand>): { lines: string[]; sh: BuiltinCommand } {
  const lines: string[] = [];
  const sh: BuiltinCommand = (args, io) => {
    if (args[0] === '-c') return commands().sh?.(args, io);
    const history: string[] = [];
    let buf = '';
    let cur = 0;
    let recall = 0;
    let esc = '';
    let over = false;
    const redraw = () => io.write(1, `\r${PROMPT}${buf}\x1b[K${cur < buf.length ? `\x1b[${buf.length - cur}D` : ''}`);
    const set = (text: string) => {
      buf = text;
      cur = text.length;
      redraw();
    };
    const key = (k: string) => {
      if (k === '\r' || k === '\n') {
        io.write(1, '\r\n');
        const line = buf;
        buf = '';
        cur = 0;
        if (line.trim()) {
          history.push(line);
          lines.push(line);
          const code = run(line, io, commands());
          if (code !== null) {
            over = true;
            return io.exit(code);
          }
        }
        recall = history.length;
        return io.write(1, PROMPT);
      }
      if (k === '\x03') {
        buf = '';
        cur = 0;
        return io.write(1, `^C\r\n${PROMPT}`);
      }
      if (k === '\x04' && !buf) {
        over = true;
        return io.exit(0);
      }
      if (k === '\x7f' || k === '\b') {
        if (cur === 0) return;
        buf = buf.slice(0, cur - 1) + buf.slice(cur);
        cur--;
        return cur === buf.length ? io.write(1, '\b \b') : redraw();
      }
      if (k === '\x15') {
        buf = buf.slice(cur);
        cur = 0;
        return redraw();
      }
      if (k === '\x17') {
        const start = buf.slice(0, cur).replace(/\S+\s*$/, '').length;
        buf = buf.slice(0, start) + buf.slice(cur);
        cur = start;
        return redraw();
      }
      if (k === '\x01' || k === '\x05') {
        cur = k === '\x01' ? 0 : buf.length;
        return redraw();
      }
      if (k === '\x0c') return io.write(1, `\x1b[H\x1b[2J${PROMPT}${buf}`);
      if (k === '\x1b[D' || k === '\x1b[C') {
        cur = Math.max(0, Math.min(buf.length, cur + (k === '\x1b[D' ? -1 : 1)));
        return redraw();
      }
      if (k === '\x1b[A' || k === '\x1b[B') {
        recall = Math.max(0, Math.min(history.length, recall + (k === '\x1b[A' ? -1 : 1)));
        return set(history[recall] ?? '');
      }
      if (k.startsWith('\x1b') || k < ' ') return;
      buf = buf.slice(0, cur) + k + buf.slice(cur);
      cur += k.length;
      if (cur === buf.length) io.write(1, k);
      else redraw();
    };
    io.write(1, PROMPT);
    io.onStdin((d) => {
      if (over) return;
      if (d === null) {
        over = true;
        return io.exit(0);
      }
      for (const ch of d) {
        if (over) return;
        if (esc) {
          esc += ch;
          // an escape sequence ends with its final byte (a letter or `~`)
          if (esc.length > 2 && /[A-Za-z~]/.test(ch)) {
            key(esc);
            esc = '';
          } else if (esc.length === 2 && ch !== '[' && ch !== 'O') {
            esc = '';
          }
          continue;
        }
        if (ch === '\x1b') esc = ch;
        else key(ch);
      }
    });
  };
  return { lines, sh };
}

/** runs one entered line; the exit code when it was `exit`, else null */
function run(line: string, io: ProcessIo, commands: Record<string, BuiltinCommand>): number | null {
  let code = 0;
  for (const stmt of statements(line)) {
    const [name, ...args] = stmt;
    if (!name) continue;
    if (name === 'exit') return Number(args[0] ?? code);
    if (name === 'clear') {
      io.write(1, '\x1b[H\x1b[2J');
      code = 0;
      continue;
    }
    const cmd = commands[name];
    if (!cmd) {
      io.write(2, `sh: ${name}: not found\n`);
      code = 127;
      continue;
    }
    // the kit's commands answer at once (those that read stdin are not for the shell)
    cmd(args, { ...io, onStdin: () => undefined, onStdinBytes: () => undefined, exit: (c) => void (code = c) });
  }
  return null;
}

/** the line's statements, each its words, as a shell splits them */
function statements(line: string): string[][] {
  const out: string[][] = [[]];
  let word: string | null = null;
  let quote: string | null = null;
  const end = () => {
    if (word !== null) out.at(-1)!.push(word);
    word = null;
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      word ??= '';
    } else if (c === '\\') word = (word ?? '') + (line[++i] ?? '');
    else if (c === '#' && word === null) break;
    else if (/\s/.test(c)) end();
    else if (c === ';' || (c === '&' && line[i + 1] === '&')) {
      end();
      if (c === '&') i++;
      out.push([]);
    } else word = (word ?? '') + c;
  }
  end();
  return out;
}
