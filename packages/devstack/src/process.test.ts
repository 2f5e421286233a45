import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TSX, waitFor } from './process';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('services a test starts', () => {
  it('end with the process that started them, even when it never stopped them', async () => {
    // a test process that starts a service and exits (its hook timed out, say) without stopping it
    const script = `
      import { startService } from ${JSON.stringify(path.join(import.meta.dirname, 'process.ts'))};
      const s = startService({ name: 'idle', command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'], env: process.env });
      console.log(s.child.pid);
      setTimeout(() => process.exit(0), 200);`;
    const r = spawnSync(TSX, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const pid = Number(r.stdout.trim());
    expect(pid).toBeGreaterThan(0);
    await waitFor('the orphaned service to be gone', async () => (alive(pid) ? null : true), { timeoutMs: 10_000 });
    expect(alive(pid)).toBe(false);
  });
});
