/**
 * `kubectl exec -it` over SPDY through hoop: real kubectl made to speak SPDY for exec (KUBECTL_REMOTE_COMMAND_WEBSOCKETS=
 * false; Debian's 1.20, named by HOOP_TEST_KUBECTL, speaks nothing else) at a pseudo-terminal → hoop connect → gateway
 * → agent → the test kit's API server, whose pod runs the kit's line-editing shell. Each line typed is judged at its
 * Enter as over WebSocket: an allowed one runs, a refused one never reaches the pod, the reason on the terminal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bins } from './kube-stack';
import { commandEvents, kubeTerminal, shellPod } from './kube-terminal';

/** the oldest and the newest kubectl found */
const kubectls = [...new Set([bins[0], bins.at(-1)])].filter((b) => b !== undefined);
const { files, shell, stack } = shellPod();

// needs a kubectl: npm test installs Debian's kubernetes-client where none is found
describe.skipIf(kubectls.length === 0).each(kubectls)('kubectl 1.$minor exec -it over SPDY through hoop', (bin) => {
  let t: ReturnType<typeof kubeTerminal>;
  beforeAll(async () => {
    t = kubeTerminal(stack(), bin.path, ['exec', '-it', '-n', 'dev', 'box', '--', 'sh'], { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' });
    await t.until('# ');
  }, 60_000);
  afterAll(() => t?.kill());

  it('speaks SPDY, with a terminal', () => {
    expect(stack().kube.execs.at(-1)).toMatchObject({ command: ['sh'], tty: true, protocol: 'v4.channel.k8s.io' });
  });

  it('runs an allowed line', async () => {
    const answer = await t.line(`echo hello from ${bin.minor}\r`);
    expect(answer).toContain(`hello from ${bin.minor}`);
    expect(shell.lines.at(-1)).toBe(`echo hello from ${bin.minor}`);
  });

  it('refuses rm -rf / typed at the prompt: never run in the pod, the reason on the terminal, recorded', async () => {
    const answer = await t.line('rm -rf /\r');
    expect(answer).toContain('blocked by hoop guardrail "rm-recursive-broad"');
    expect(shell.lines.filter((l) => /\brm\b/.test(l))).toEqual([]);
    expect(files.get('/data/keep.txt')?.toString()).toBe('still here\n');
    const trail = await commandEvents(stack(), 'rm -rf /');
    expect(trail.find((e) => e.command === 'rm -rf /')).toMatchObject({ decision: 'deny', ruleId: 'rm-recursive-broad', executed: false });
    expect(await t.line('echo still alive\r')).toContain('still alive');
  });

  it('ends with exit, the exit code carried', async () => {
    t.type('exit 3\r');
    expect(await t.exited).toBe(3);
  });
});
