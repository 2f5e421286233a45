import { beforeAll, describe, expect, it } from 'vitest';
import { defaultPolicy, parsePolicy, SHELL_BUILTIN_RULE_IDS } from '../policy/schema';
import { analyzeShell, evaluateShell, initShellGuard, SHELL_LIMITS, SHELL_RULES } from './index';

beforeAll(async () => {
  await initShellGuard();
});

const withShell = (shell: unknown) => parsePolicy({ name: 'p', guardrails: { shell } });

describe('shell policy settings', () => {
  it('gives existing policies the shell defaults', () => {
    const p = parsePolicy({ name: 'old', guardrails: { builtins: { drop: { action: 'review' } }, rules: [] } });
    expect(p.guardrails.shell).toEqual({ builtins: {}, rules: [] });
    expect(defaultPolicy().guardrails.shell).toEqual({ builtins: {}, rules: [] });
  });

  it('lists every built-in once, in the schema and in the rules', () => {
    expect(SHELL_RULES.map((r) => r.id).sort()).toEqual([...SHELL_BUILTIN_RULE_IDS].sort());
  });

  it('switches a built-in off or changes its action', () => {
    expect(evaluateShell('reboot', withShell({ builtins: { 'shutdown-reboot': { enabled: false } } })).action).toBe('allow');
    expect(evaluateShell('rm -rf /', withShell({ builtins: { 'rm-recursive-broad': { action: 'review' } } }))).toMatchObject({
      action: 'review',
      ruleId: 'rm-recursive-broad',
    });
    expect(evaluateShell('history -c', withShell({ builtins: { 'history-tamper': { action: 'deny' } } }))).toMatchObject({
      action: 'deny',
      ruleId: 'history-tamper',
    });
    expect(evaluateShell('$CMD', withShell({ builtins: { 'dynamic-command': { enabled: false } } })).action).toBe('allow');
    // the other built-ins stay on
    expect(evaluateShell('reboot; mkfs /dev/sdb', withShell({ builtins: { 'shutdown-reboot': { enabled: false } } }))).toMatchObject({
      action: 'deny',
      ruleId: 'mkfs',
    });
  });

  it('lets an allow rule override a built-in for one path', () => {
    const p = withShell({ rules: [{ id: 'scratch-cleanup', action: 'allow', match: { commands: ['rm'], args: ['/srv/scratch*'] } }] });
    expect(evaluateShell('rm -rf /srv/scratch', p)).toMatchObject({ action: 'allow' });
    expect(evaluateShell('sudo rm -rf /srv/scratch', p)).toMatchObject({ action: 'allow' });
    expect(evaluateShell('rm -rf /srv/app', p)).toMatchObject({ action: 'deny', ruleId: 'rm-recursive-broad' });
  });

  it('denies by command glob and reviews by argument glob, first match first', () => {
    const p = withShell({
      rules: [
        {
          id: 'no-aws-prod',
          action: 'deny',
          message: 'production buckets are changed by CI only',
          hint: 'open a PR',
          match: { commands: ['aws'], args: ['s3://prod-*'] },
        },
        { id: 'review-deletes', action: 'review', match: { args: ['delete', 'rm'] } },
        { id: 'no-mkfs-tools', action: 'deny', match: { commands: ['mk*fs*', '/usr/local/bin/*'] } },
      ],
    });
    expect(evaluateShell('aws s3 rm s3://prod-invoices/2024 --recursive', p)).toMatchObject({
      action: 'deny',
      ruleId: 'no-aws-prod',
      reason: 'production buckets are changed by CI only',
      hint: 'open a PR',
    });
    expect(evaluateShell('aws s3 rm s3://dev-scratch/x', p)).toMatchObject({
      action: 'review',
      ruleId: 'review-deletes',
      reason: 'matched rule "review-deletes"',
    });
    expect(evaluateShell('sudo kubectl delete pod api-1', p)).toMatchObject({ action: 'review', ruleId: 'review-deletes' });
    expect(evaluateShell('aws s3 ls s3://prod-invoices', p).action).toBe('deny');
    expect(evaluateShell('aws s3 ls s3://dev', p).action).toBe('allow');
    expect(evaluateShell('mke2fs /dev/sdb', p)).toMatchObject({ action: 'deny', ruleId: 'no-mkfs-tools' });
    expect(evaluateShell('/usr/local/bin/deploy --now', p)).toMatchObject({ action: 'deny', ruleId: 'no-mkfs-tools' });
    expect(evaluateShell('deploy --now', p).action).toBe('allow');
  });

  it('reuses the SQL guardrails and custom SQL rules of the same policy', () => {
    const p = parsePolicy({ name: 'p', guardrails: { rules: [{ id: 'review-ddl', action: 'review', match: { kinds: ['ddl'] } }] } });
    expect(evaluateShell('psql -c "create table t (a int)"', p)).toMatchObject({ action: 'review', ruleId: 'sql-in-shell' });
    expect(evaluateShell('psql -c "create table t (a int)"', p).reason).toMatch(/review-ddl/);
    const ro = parsePolicy({ name: 'ro', readOnly: true });
    expect(evaluateShell('psql -c "insert into t values (1)"', ro)).toMatchObject({ action: 'deny', ruleId: 'sql-in-shell' });
  });

  it('refuses malformed shell rules with every problem listed', () => {
    expect(() => withShell({ builtins: { 'no-such-rule': {} }, rules: [{ id: 'Bad Id', action: 'maybe', match: {} }] })).toThrow(
      /shell\.builtins[\s\S]*shell\.rules\.0\.id[\s\S]*shell\.rules\.0\.action/,
    );
    expect(() => withShell({ rules: [{ id: 'x', action: 'deny', match: { tables: ['t'] } }] })).toThrow(/match/);
  });
});

describe('decisions for the audit trail', () => {
  const policy = defaultPolicy();

  it('describes every command with its arguments as parsed and what it ran under', () => {
    const d = evaluateShell('cd /srv && sudo bash -c "ls -la \'my dir\'; rm -rf /srv/app" | tee out.log', policy);
    expect(d.commands.map((c) => [c.command, c.args, c.via, c.action, c.ruleId])).toEqual([
      ['cd', ['/srv'], [], 'allow', undefined],
      ['sudo', ['bash', '-c', "ls -la 'my dir'; rm -rf /srv/app"], [], 'allow', undefined],
      ['bash', ['-c', "ls -la 'my dir'; rm -rf /srv/app"], ['sudo'], 'allow', undefined],
      ['ls', ['-la', 'my dir'], ['sudo', 'bash -c'], 'allow', undefined],
      ['rm', ['-rf', '/srv/app'], ['sudo', 'bash -c'], 'deny', 'rm-recursive-broad'],
      ['tee', ['out.log'], [], 'allow', undefined],
    ]);
    expect(d.commands[4]!.text).toBe('rm -rf /srv/app');
    expect(d).toMatchObject({
      action: 'deny',
      ruleId: 'rm-recursive-broad',
      reason: 'rm -rf on a broad path (/srv/app) would delete data; remove a narrower path',
    });
  });

  it('allows a line with nothing to run', () => {
    expect(evaluateShell('', policy)).toEqual({ action: 'allow', commands: [] });
    expect(evaluateShell('  # only a comment', policy)).toEqual({ action: 'allow', commands: [] });
  });

  it('names the variable that would turn a path into /', () => {
    const d = evaluateShell('rm -rf "$BUILD_DIR"/*', policy);
    expect(d.reason).toBe('rm -rf on "$BUILD_DIR"/* would delete /* when BUILD_DIR is empty or unset');
    expect(d.hint).toContain('${BUILD_DIR:?}');
  });
});

describe('lines the guard cannot read are denied', () => {
  const policy = defaultPolicy();

  it('fails closed on syntax errors, and says when the line is only incomplete', () => {
    const d = evaluateShell('echo "unterminated', policy);
    expect(d).toMatchObject({ action: 'deny', ruleId: 'parse-error', incomplete: true });
    expect(d.reason).toMatch(/^the command could not be read \(.*closing quote.*\), so it was not run$/);
    expect(d.commands).toEqual([expect.objectContaining({ command: 'UNKNOWN', action: 'deny', ruleId: 'parse-error' })]);
    expect(evaluateShell('echo )', policy)).toMatchObject({ action: 'deny', ruleId: 'parse-error' });
    expect(evaluateShell('echo )', policy).incomplete).toBeUndefined();
  });

  it('refuses a 1 MB line at once, without parsing it', () => {
    const line = `echo ${'a'.repeat(1024 * 1024)}`;
    // refused for its length, before the parser (which would read `echo aaa…` as harmless) sees it
    const d = evaluateShell(line, policy);
    expect(d).toMatchObject({ action: 'deny', ruleId: 'too-long' });
    expect(d.reason).toBe(`the command is ${line.length} bytes, over the ${SHELL_LIMITS.maxBytes}-byte limit, so it was not run`);
    expect(d.commands[0]!.text.length).toBeLessThan(2100);
    expect(evaluateShell('ls -la', policy, { maxBytes: 4 })).toMatchObject({ action: 'deny', ruleId: 'too-long' });
  });

  it('stops at the nesting limit of bash -c in bash -c', () => {
    let line = 'ls';
    for (let i = 0; i < 6; i++) line = `bash -c ${JSON.stringify(line)}`;
    expect(evaluateShell(line, policy)).toMatchObject({ action: 'deny', ruleId: 'too-deep' });
    expect(evaluateShell(line, policy, { maxDepth: 8 }).action).toBe('allow');
  });

  it('survives pathological nesting and keeps working afterwards', () => {
    const deep = `echo ${'$('.repeat(5000)}ls${')'.repeat(5000)}`;
    expect(evaluateShell(deep, policy).action).toBe('deny');
    const wrappers = `${'sudo '.repeat(200)}ls`;
    expect(evaluateShell(wrappers, policy)).toMatchObject({ action: 'deny', ruleId: 'too-deep' });
    expect(evaluateShell('rm -rf /', policy).ruleId).toBe('rm-recursive-broad');
    expect(evaluateShell('ls -la', policy).action).toBe('allow');
  });
});

describe('analyzeShell', () => {
  it('reports what feeds each command and where its output goes', () => {
    const a = analyzeShell('curl -s x | sudo bash > /tmp/out 2>&1 &');
    expect(a.ok).toBe(true);
    if (!a.ok) return;
    const bash = a.commands.find((c) => c.name === 'bash')!;
    expect(bash.stdin.from.map((c) => c.name)).toEqual(['curl']);
    expect(bash.redirects.map((r) => [r.op, r.target.value])).toEqual([['>', '/tmp/out']]);
    expect(bash.concurrent).toBe(true);
    expect(bash.via).toEqual(['sudo']);
  });

  it('resolves quoting, escapes and ANSI-C strings in words', () => {
    const a = analyzeShell(`printf 'a'"b"c\\ d $'\\t\\x41' "$HOME" ~/x "it's" '' "a\\"b" 'x\\y'`);
    if (!a.ok) throw new Error(a.error);
    expect(a.commands[0]!.args).toEqual(['abc d', '\tA', '$HOME', '~/x', "it's", '', 'a"b', 'x\\y']);
    expect(a.commands[0]!.argv.map((w) => w.literal)).toEqual([true, true, true, false, true, true, true, true, true]);
  });

  it('counts positions in bytes, so text after non-ASCII characters is cut right', () => {
    const a = analyzeShell('echo "héllo wörld" ; rm -rf /tmp/ünïcode');
    if (!a.ok) throw new Error(a.error);
    expect(a.commands.map((c) => c.text)).toEqual(['echo "héllo wörld"', 'rm -rf /tmp/ünïcode']);
    expect(a.commands[1]!.args).toEqual(['-rf', '/tmp/ünïcode']);
  });
});
