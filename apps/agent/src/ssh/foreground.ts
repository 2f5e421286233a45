import { readFileSync } from 'node:fs';

/** Program names of shells: when one of them holds the terminal, a line typed there is a shell's. */
const SHELLS = new Set(['bash', 'sh', 'dash', 'zsh', 'ksh', 'mksh', 'ash', 'fish', 'tcsh', 'csh', 'yash', 'posh', 'busybox']);

/**
 * What holds the foreground of the terminal `script` (pid `scriptPid`) runs a session in, read from /proc on Linux:
 * 'shell' when it is the session's shell or another shell (at its prompt: whatever the screen shows, a line typed is
 * a shell's), 'program' for anything else (vim, less, but also ssh or sudo, behind which a shell may read), null when
 * it cannot be told. Only 'shell' is knowledge the terminal guard acts on.
 */
export function terminalForeground(scriptPid: number): 'shell' | 'program' | null {
  try {
    const child = readFileSync(`/proc/${scriptPid}/task/${scriptPid}/children`, 'utf8').trim().split(/\s+/)[0];
    if (!child) return null;
    const stat = statFields(readFileSync(`/proc/${child}/stat`, 'utf8'));
    const pgrp = Number(stat[2]);
    const tpgid = Number(stat[5]);
    if (!Number.isInteger(tpgid) || tpgid <= 0) return null;
    if (tpgid === pgrp) return 'shell';
    return SHELLS.has(readFileSync(`/proc/${tpgid}/comm`, 'utf8').trim()) ? 'shell' : 'program';
  } catch {
    return null;
  }
}

/** the fields of /proc/PID/stat after the program name (which may hold spaces and parentheses): state, ppid, pgrp … */
function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}
