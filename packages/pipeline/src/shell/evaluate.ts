import type { Action, Policy, ShellRule } from '../policy/schema';
import { analyzeShell, type ShellCommand, type ShellOptions } from './analyze';
import { SHELL_RULES } from './rules';
import type { RuleContext } from './shell-check';

/** One command of the line, as the audit trail records it. */
export interface ShellCommandDecision {
  /** the command as written */
  text: string;
  /** the program, without its directory; UNKNOWN when the line could not be read */
  command: string;
  /** its arguments as parsed: quotes removed, expansions as written */
  args: string[];
  /** what it runs under, outermost first: `['sudo', 'bash -c']` */
  via: string[];
  action: Action;
  ruleId?: string;
  message?: string;
  hint?: string;
}

export interface ShellDecision {
  action: Action;
  commands: ShellCommandDecision[];
  /** the command that decided, for deny and review */
  ruleId?: string;
  reason?: string;
  hint?: string;
  /** the line stops in the middle of a construct (open quote, `do` without `done`, trailing `|`): more may follow */
  incomplete?: boolean;
}

const SEVERITY: Record<Action, number> = { allow: 0, review: 1, deny: 2 };
const UNREADABLE = {
  parse: { ruleId: 'parse-error', hint: 'check the syntax; hoop only runs commands it can read' },
  'too-long': { ruleId: 'too-long', hint: 'copy a script to the server and run the file, or split the command' },
  'too-deep': { ruleId: 'too-deep', hint: 'write the commands out instead of nesting them in strings' },
} as const;

/**
 * Judges a shell command line (SSH exec, or one line typed at a prompt) against a policy. Every command it would run
 * is judged, and the most severe decides for the whole line. What the parser cannot read is denied.
 */
export function evaluateShell(command: string, policy: Policy, opts: ShellOptions = {}): ShellDecision {
  const analysis = analyzeShell(command, opts);
  if (!analysis.ok) {
    const u = UNREADABLE[analysis.reason];
    const message =
      analysis.reason === 'too-long' ? `${analysis.error}, so it was not run` : `the command could not be read (${analysis.error}), so it was not run`;
    const text = command.length > 2000 ? `${command.slice(0, 2000)}…` : command;
    const decision: ShellCommandDecision = { text, command: 'UNKNOWN', args: [], via: [], action: 'deny', ruleId: u.ruleId, message, hint: u.hint };
    return { action: 'deny', commands: [decision], ruleId: u.ruleId, reason: message, hint: u.hint, ...(analysis.incomplete ? { incomplete: true } : {}) };
  }
  const ctx: RuleContext = { all: analysis.commands, policy };
  const commands = analysis.commands.map((c) => judge(c, ctx));
  let worst: ShellCommandDecision | undefined;
  for (const c of commands) if (!worst || SEVERITY[c.action] > SEVERITY[worst.action]) worst = c;
  if (!worst || worst.action === 'allow') return { action: 'allow', commands };
  return { action: worst.action, commands, ruleId: worst.ruleId, reason: worst.message, hint: worst.hint };
}

function judge(c: ShellCommand, ctx: RuleContext): ShellCommandDecision {
  const base = { text: c.text, command: c.name, args: c.args, via: c.via };
  const shell = ctx.policy.guardrails.shell;
  for (const rule of shell.rules) {
    if (matches(rule, c))
      return { ...base, action: rule.action, ruleId: rule.id, message: rule.message ?? `matched rule "${rule.id}"`, ...(rule.hint ? { hint: rule.hint } : {}) };
  }
  let decided: ShellCommandDecision = { ...base, action: 'allow' };
  for (const rule of SHELL_RULES) {
    const setting = shell.builtins[rule.id];
    if (setting?.enabled === false) continue;
    if ((setting?.action ?? rule.action) === 'allow' || SEVERITY[setting?.action ?? rule.action] <= SEVERITY[decided.action]) continue;
    const finding = rule.check(c, ctx);
    if (!finding) continue;
    const action = setting?.action ?? finding.action ?? rule.action;
    if (SEVERITY[action] > SEVERITY[decided.action]) decided = { ...base, action, ruleId: rule.id, message: finding.message, hint: finding.hint };
  }
  return decided;
}

const globs = new Map<string, RegExp>();

/** `*` any run of characters (slashes too), `?` one; case matters, as it does for programs and paths */
function glob(pattern: string, value: string): boolean {
  let re = globs.get(pattern);
  if (!re) {
    re = new RegExp(
      `^${pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
      's',
    );
    if (globs.size > 1000) globs.clear();
    globs.set(pattern, re);
  }
  return re.test(value);
}

function matches(rule: ShellRule, c: ShellCommand): boolean {
  const m = rule.match;
  if (m.commands?.length && !m.commands.some((p) => glob(p, c.name) || (c.argv[0] !== undefined && glob(p, c.argv[0].value)))) return false;
  if (m.args?.length && !c.args.some((a) => m.args!.some((p) => glob(p, a)))) return false;
  return true;
}
