/** CPU time of processes as Linux counts it (/proc/<pid>/stat), for the benches that measure hoop's processes. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** CPU seconds a process has used so far: user, system */
export function cpuTimes(pid: number | 'self'): [number, number] {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return [Number(f[11]) / 100, Number(f[12]) / 100];
}

/** CPU seconds (user + system) a process has used so far */
export function cpuSeconds(pid: number | 'self'): number {
  const [user, system] = cpuTimes(pid);
  return user + system;
}

/**
 * the CPU seconds (user, system) of every Postgres process running now; the difference of two readings counts only
 * the processes alive at both (a backend that starts and ends between them is not counted)
 */
export function postgresCpuTimes(): [number, number] {
  const sum: [number, number] = [0, 0];
  for (const pid of execFileSync('pgrep', ['-x', 'postgres']).toString().trim().split('\n').map(Number)) {
    try {
      const [u, s] = cpuTimes(pid);
      sum[0] += u;
      sum[1] += s;
    } catch {
      // a backend that ended meanwhile
    }
  }
  return sum;
}
