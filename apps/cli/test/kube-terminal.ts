/**
 * kubectl at a pseudo-terminal (util-linux `script`) through hoop connect, for the exec -it tests over WebSocket and
 * over SPDY: keys typed into it, its screen's output as it comes; and the trail's command events.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { BUILTIN_COMMANDS, PodFiles, ttyShell, waitFor } from '@hoop/devstack';
import { afterAll, beforeAll } from 'vitest';
import { type KubeStack, pod, startKubeStack } from './kube-stack';

/**
 * The pod `box` (namespace dev) of the exec -it tests: the kit's line-editing shell over an in-memory filesystem, with
 * /data/keep.txt in it; `start` brings up the stack with the pod on it.
 */
export function shellPod() {
  const files = new PodFiles();
  const shell = ttyShell(() => ({ ...BUILTIN_COMMANDS, ...files.commands() }));
  let k: KubeStack | undefined;
  beforeAll(async () => {
    k = await startKubeStack({ commands: { ...files.commands(), sh: shell.sh } });
    k.kube.put('pods', 'dev', pod('box'));
    files.put('/data/keep.txt', 'still here\n');
  }, 180_000);
  afterAll(async () => {
    await k?.stop();
  });
  /** the file's stack, started before its tests and stopped after them */
  const stack = (): KubeStack => {
    if (!k) throw new Error('the Kubernetes stack is not started (shellPod() registers its start in beforeAll)');
    return k;
  };
  return { files, shell, stack };
}

const quote = (w: string) => `'${w.replaceAll("'", `'\\''`)}'`;

/** kubectl `bin` at a terminal of 100×30, `env` added to its environment */
export function kubeTerminal(k: KubeStack, bin: string, args: string[], env: Record<string, string> = {}) {
  const kubectl = [bin, '--context', 'hoop-prod-k8s', ...args].map(quote).join(' ');
  const child: ChildProcess = spawn('script', ['-qfec', `stty cols 100 rows 30; exec ${kubectl}`, '/dev/null'], {
    env: { HOME: k.dir, PATH: '/usr/bin:/bin', KUBECONFIG: k.kubeconfig, TERM: 'xterm', ...env },
  });
  let out = '';
  const waiters: { text: string; from: number; resolve(): void }[] = [];
  const seen = (w: { text: string; from: number }) => out.indexOf(w.text, w.from) >= 0;
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    for (const w of waiters.filter(seen)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  });
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  return {
    get out() {
      return out;
    },
    /** where the output is now: `until` looks after it */
    mark: () => out.length,
    until: (text: string, from = 0) => {
      const w = { text, from, resolve: () => undefined };
      return seen(w) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ ...w, resolve }));
    },
    type: (keys: string) => void child.stdin!.write(keys),
    /** types a line and waits for the prompt after its answer */
    async line(keys: string) {
      const from = out.length;
      child.stdin!.write(keys);
      await this.until('\r\n# ', from);
      return out.slice(from);
    },
    exited,
    kill: () => child.kill(),
  };
}

/** the trail's command events, once one of them is for `command` */
export function commandEvents(k: KubeStack, command: string) {
  return waitFor(
    `the command ${command}`,
    async () => {
      const rows = await k.stack.db.auditEvent.findMany({ where: { type: 'command' }, orderBy: [{ at: 'asc' }] });
      const data = rows.map((e) => e.data as Record<string, unknown>);
      return data.some((e) => e.command === command) ? data : null;
    },
    { timeoutMs: 15_000 },
  );
}
