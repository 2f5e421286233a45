/**
 * stdin of a shell run without a terminal (`echo 'rm -rf /' | kubectl exec -i web -- sh`): what it reads is a script,
 * so each line is judged by the shell guard before the shell gets it, as SSH judges the lines of a shell without a
 * pty. A line that opens a construct (`if …`, a quote) waits for the lines that close it, up to MAX_PENDING; a line
 * refused (or one that needs review, which cannot be held in the middle of a stream) is not sent, and the client is
 * told on stderr; the lines after it go on being judged.
 */

import type { ShellDecision } from '@hoop/pipeline';

export const MAX_PENDING = 64 * 1024;

/** the programs whose stdin is read as shell lines when they run without -c */
const SHELLS = new Set(['sh', 'bash', 'ash', 'dash', 'zsh', 'ksh', 'mksh', 'busybox']);

/** Whether an exec's stdin is a shell's script: a shell (by its base name) given no `-c` (nor a flag cluster with c). */
export function readsShellStdin(argv: string[]): boolean {
  const program = (argv[0] ?? '').split('/').pop() ?? '';
  if (!SHELLS.has(program)) return false;
  const args = program === 'busybox' ? argv.slice(2) : argv.slice(1);
  if (program === 'busybox' && !SHELLS.has(argv[1] ?? '')) return false;
  return !args.some((a) => /^-[a-z]*c/i.test(a) && !a.startsWith('--'));
}

export interface GateEvents {
  judge(text: string): ShellDecision;
  /** a judged text goes on to the shell */
  forward(text: string): void;
  /** a judged text does not: the client is told why */
  refuse(text: string, d: ShellDecision): void;
}

export class StdinGate {
  private partial = '';
  private pending = '';

  constructor(private readonly on: GateEvents) {}

  push(text: string): void {
    this.partial += text;
    let nl = this.partial.indexOf('\n');
    while (nl >= 0) {
      const line = this.partial.slice(0, nl + 1);
      this.partial = this.partial.slice(nl + 1);
      this.line(line, false);
      nl = this.partial.indexOf('\n');
    }
    if (this.partial.length + this.pending.length > MAX_PENDING) {
      const text = this.pending + this.partial;
      this.pending = '';
      this.partial = '';
      this.on.refuse(text, {
        action: 'deny',
        commands: [],
        ruleId: 'too-long',
        reason: `over ${MAX_PENDING / 1024} KiB of stdin without a complete command, so it was not run`,
      });
    }
  }

  /** stdin is over: what is left is judged as it is */
  end(): void {
    if (this.partial || this.pending) this.line(this.partial, true);
    this.partial = '';
  }

  private line(line: string, last: boolean): void {
    const text = this.pending + line;
    const d = this.on.judge(text);
    if (d.incomplete && !last) {
      this.pending = text;
      return;
    }
    this.pending = '';
    if (d.action === 'allow') this.on.forward(text);
    else this.on.refuse(text, d);
  }
}
