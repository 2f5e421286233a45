import type { Action, Policy } from '../policy/schema';
import type { ShellCommand } from './analyze';

// The shape of one built-in shell rule: the registry (rules.ts) lists them, rules-*.ts implement them.

/** `action` softens the rule's default for this finding (SQL the SQL guard would only hold for review). */
export interface ShellFinding {
  message: string;
  hint: string;
  action?: Action;
}
export interface RuleContext {
  all: readonly ShellCommand[];
  policy: Policy;
}
export type ShellCheck = (c: ShellCommand, ctx: RuleContext) => ShellFinding | null;
