export {
  type ArgWord,
  analyzeShell,
  initShellGuard,
  SHELL_LIMITS,
  type ShellAnalysis,
  type ShellCommand,
  type ShellOptions,
  type ShellRedirect,
  type Stdin,
} from './analyze';
export { evaluateShell, type ShellCommandDecision, type ShellDecision } from './evaluate';
export { SHELL_RULES } from './rules';
export type { ShellFinding } from './shell-check';
