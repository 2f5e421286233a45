/**
 * `kubectl exec -it` through hoop: real kubectl (1.30 on, exec over WebSocket) at a pseudo-terminal (util-linux
 * `script`) → hoop connect → gateway → agent → the test kit's API server, whose pod runs the kit's line-editing shell
 * over an in-memory filesystem. Each line typed is judged at its Enter as on SSH: an allowed one runs, a refused one
 * never runs in the pod (the kit's record of the lines its shell ran, and the files still there), the user is told
 * why on the terminal, and the trail has it — however the line was typed.
 */
import { waitFor } from '@hoop/devstack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bins, pod } from './kube-stack';
import { commandEvents, kubeTerminal, shellPod } from './kube-terminal';

const websocketKubectl = bins.filter((b) => b.minor >= 30);
const { files, shell, stack } = shellPod();

/** kubectl at a terminal of 100×30 (kube-terminal.ts) */
const terminal = (args: string[]) => kubeTerminal(stack(), websocketKubectl.at(-1)!.path, args);
const commands = (command: string) => commandEvents(stack(), command);

/** the lines the pod's shell ran that remove files, however spelled */
const ranRemove = () => shell.lines.filter((l) => /^\s*(r\\?m\b|\$\(printf 'rm)/.test(l));

// over WebSocket, kubectl 1.30 on (the SPDY terminal of older ones: kubernetes-terminal-spdy.test.ts); skipped where none is installed
describe.skipIf(websocketKubectl.length === 0)('kubectl exec -it through hoop: each line typed is judged', () => {
  let t: ReturnType<typeof terminal>;
  beforeAll(async () => {
    t = terminal(['exec', '-it', '-n', 'dev', 'box', '--', 'sh']);
    await t.until('# ');
  }, 60_000);
  afterAll(() => t?.kill());

  it('runs an allowed line', async () => {
    const answer = await t.line('echo hello there\r');
    expect(answer).toContain('hello there');
    expect(shell.lines.at(-1)).toBe('echo hello there');
  });

  it('refuses rm -rf / typed at the prompt: never run in the pod, the reason on the terminal, recorded', async () => {
    const answer = await t.line('rm -rf /\r');
    expect(answer).toContain('blocked by hoop guardrail "rm-recursive-broad"');
    expect(ranRemove()).toEqual([]);
    expect(files.get('/data/keep.txt')?.toString()).toBe('still here\n');
    const trail = await commands('rm -rf /');
    expect(trail.find((e) => e.command === 'rm -rf /')).toMatchObject({ decision: 'deny', ruleId: 'rm-recursive-broad', executed: false });
    // the shell goes on
    expect(await t.line('echo still alive\r')).toContain('still alive');
  });

  it('refuses it split across writes, edited with Backspace, or with its keys moved', async () => {
    for (const piece of ['rm -r', 'f', ' /']) {
      const from = t.mark();
      t.type(piece);
      await t.until(piece, from);
    }
    expect(await t.line('\r')).toContain('blocked by hoop guardrail');
    expect(await t.line('rm -rf /tmpx\x7f\x7f\x7f\x7f\r')).toContain('blocked by hoop guardrail');
    // typed backwards: the end first, then the start at the line's head
    expect(await t.line(' -rf /\x01rm\r')).toContain('blocked by hoop guardrail');
    expect(ranRemove()).toEqual([]);
    expect(files.get('/data/keep.txt')).toBeDefined();
  });

  it('refuses a line recalled from history and edited into rm -rf /', async () => {
    expect(await t.line('echo rm -rf /\r')).toContain('rm -rf /');
    // Up brings `echo rm -rf /` back; Ctrl-A, five times Right, five Backspaces leave `rm -rf /`
    const answer = await t.line(`\x1b[A\x01${'\x1b[C'.repeat(5)}${'\x7f'.repeat(5)}\r`);
    expect(answer).toContain('blocked by hoop guardrail');
    expect(ranRemove()).toEqual([]);
  });

  it('refuses a paste that holds it, with marks or without, and escaped spellings', async () => {
    const from = t.mark();
    t.type('\x1b[200~echo pasted one\rrm -rf /\recho pasted two\x1b[201~');
    await t.until('blocked by hoop guardrail', from);
    await t.line('\r');
    expect(shell.lines).not.toContain('echo pasted one');
    // without marks the lines are entered one by one: those around it run, it does not
    const plain = t.mark();
    t.type('echo plain one\rrm -rf /\recho plain two\r');
    // the output's line and the prompt after it, not the typed line's echo (`# echo plain two`)
    await t.until('\r\nplain two\r\n# ', plain);
    expect(t.out.slice(plain)).toContain('blocked by hoop guardrail');
    expect(await t.line('r\\m -rf /\r')).toContain('blocked by hoop guardrail');
    expect(ranRemove()).toEqual([]);
    expect(shell.lines).toEqual(expect.arrayContaining(['echo plain one', 'echo plain two']));
  });

  it('judges the line after Ctrl-C and after clear as any other', async () => {
    const from = t.mark();
    t.type('echo abandoned\x03');
    await t.until('^C', from);
    expect(await t.line('rm -rf /\r')).toContain('blocked by hoop guardrail');
    const cleared = t.mark();
    t.type('clear\r');
    await t.until('\x1b[2J# ', cleared);
    expect(await t.line('rm -rf /data\r')).toContain('blocked by hoop guardrail');
    expect(ranRemove()).toEqual([]);
    expect(shell.lines).not.toContain('echo abandoned');
    expect(files.get('/data/keep.txt')).toBeDefined();
  });

  /** types a line the terminal holds for review, and finds its review */
  async function held(line: string, text: string) {
    const from = t.mark();
    t.type(line);
    await t.until('waiting for approval', from);
    const review = await waitFor(
      `the review of ${text}`,
      async () => (await stack().stack.db.review.findFirst({ where: { status: 'pending', statement: { contains: text } } })) ?? null,
      { timeoutMs: 30_000 },
    );
    return { from, review };
  }

  it('holds a line the guard cannot read for review: rejected it never runs, approved it runs once', async () => {
    const { from, review } = await held("$(printf 'rm') -rf /\r", 'printf');
    expect(ranRemove()).toEqual([]);
    await stack().stack.vote(review.id, stack().rita, 'reject');
    await t.until('not approved by hoop review', from);
    expect(ranRemove()).toEqual([]);
    const second = await held('$(printf echo) approved line\r', 'approved line');
    await stack().stack.vote(second.review.id, stack().rita, 'approve');
    await waitFor('the approved line run', async () => shell.lines.at(-1) === '$(printf echo) approved line' || null, { timeoutMs: 30_000 });
    expect(shell.lines.filter((l) => l.includes('approved line'))).toHaveLength(1);
  });

  it('ends with exit, the session recorded as a terminal', async () => {
    t.type('exit\r');
    expect(await t.exited).toBe(0);
    expect(files.get('/data/keep.txt')?.toString()).toBe('still here\n');
  });
});

// over WebSocket, kubectl 1.30 on (the SPDY terminal of older ones: kubernetes-terminal-spdy.test.ts); skipped where none is installed
describe.skipIf(websocketKubectl.length === 0)('kubectl attach -it through hoop', () => {
  it('judges the lines typed at a container whose terminal runs a shell', async () => {
    stack().kube.put('pods', 'dev', {
      ...pod('console'),
      spec: { containers: [{ name: 'app', image: 'busybox', command: ['sh'], stdin: true, tty: true }] },
    });
    const t = terminal(['attach', '-it', '-n', 'dev', 'console']);
    try {
      await t.until('# ');
      expect(await t.line('echo attached\r')).toContain('attached');
      expect(await t.line('rm -rf /data\r')).toContain('blocked by hoop guardrail "rm-recursive-broad"');
      expect(ranRemove()).toEqual([]);
      expect(files.get('/data/keep.txt')).toBeDefined();
      const trail = await commands('rm -rf /data');
      expect(trail.find((e) => e.command === 'rm -rf /data')).toMatchObject({ decision: 'deny', executed: false });
      t.type('exit\r');
      await t.exited;
    } finally {
      t.kill();
    }
  });
});
