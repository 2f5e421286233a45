import type { Action, ShellBuiltinRuleId } from '../policy/schema';
import { interpreterCode, pipeToShell, sqlInShell } from './rules-code';
import { rmRecursive, rmRecursiveBroad } from './rules-delete';
import { chmodBroad, ddDevice, mkfs } from './rules-disk';
import { helmUninstall, historyTamper, kubectlDeleteBroad, shutdownReboot } from './rules-system';
import type { ShellCheck } from './shell-check';

const forkBomb: ShellCheck = (c, { all }) => {
  if (!c.fn || c.name !== c.fn || !c.concurrent) return null;
  const selfCalls = all.filter((x) => x.fn === c.fn && x.name === c.fn).length;
  if (selfCalls < 2) return null;
  return {
    message: `the function ${c.fn} starts two copies of itself at once: a fork bomb that fills the process table and hangs the machine`,
    hint: 'remove the recursive calls',
  };
};

const dynamicCommand: ShellCheck = (c) => {
  if (c.dynamic)
    return {
      message: `the command to run comes from ${c.name}, which is only known when the line runs, so hoop cannot check it`,
      hint: 'write the command out, or request approval with --reason',
    };
  if (c.opaque) return { message: `${c.opaque}, so hoop cannot check it`, hint: 'write the commands out, or request approval with --reason' };
  return null;
};

/** The built-in shell guardrails with their default actions, most specific first. */
export const SHELL_RULES: { id: ShellBuiltinRuleId; action: Action; check: ShellCheck }[] = [
  { id: 'rm-recursive-broad', action: 'deny', check: rmRecursiveBroad },
  { id: 'mkfs', action: 'deny', check: mkfs },
  { id: 'dd-device', action: 'deny', check: ddDevice },
  { id: 'shutdown-reboot', action: 'deny', check: shutdownReboot },
  { id: 'chmod-broad', action: 'deny', check: chmodBroad },
  { id: 'fork-bomb', action: 'deny', check: forkBomb },
  { id: 'pipe-to-shell', action: 'deny', check: pipeToShell },
  { id: 'kubectl-delete-broad', action: 'deny', check: kubectlDeleteBroad },
  { id: 'sql-in-shell', action: 'deny', check: sqlInShell },
  { id: 'helm-uninstall', action: 'review', check: helmUninstall },
  { id: 'history-tamper', action: 'review', check: historyTamper },
  { id: 'rm-recursive', action: 'review', check: rmRecursive },
  { id: 'interpreter-code', action: 'review', check: interpreterCode },
  { id: 'dynamic-command', action: 'review', check: dynamicCommand },
];
