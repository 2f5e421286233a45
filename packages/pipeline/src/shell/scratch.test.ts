import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SHELL_SCRATCH, defaultPolicy, parsePolicy } from '../policy/schema';
import { evaluateShell, initShellGuard } from './index';
import { badScratchEntry, notScratch } from './scratch';

/** CPU time of this process in ms: a bound on it holds on a loaded machine, where wall time does not. */
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

beforeAll(async () => {
  await initShellGuard();
});

const literal = (value: string, glob = false) => ({ value, literal: true, glob, raw: value });

describe('scratch list entries', () => {
  it.each<[entry: string, path: string, scratch: boolean]>([
    ['/tmp/*', '/tmp/x', true],
    ['/tmp/*', '/tmp/x/y/z', true],
    ['/tmp/*', '/tmp', false],
    ['/tmp/*', '/tmpx/y', false],
    ['/tmp/*', 'tmp/x', false],
    ['/tmp/*', '/tmp/.hidden', true],
    ['/srv/*/cache', '/srv/app/cache', true],
    ['/srv/*/cache', '/srv/app/cache/x', true],
    ['/srv/*/cache', '/srv/app/data', false],
    ['/srv/**/cache', '/srv/a/b/c/cache', true],
    ['/srv/**/cache', '/srv/cache', true],
    ['/x/build-*', '/x/build-1', true],
    ['/x/build-*', '/x/build', false],
    ['/x/b?ild', '/x/build', true],
    ['/x/[ab]x', '/x/bx', true],
    ['/x/[!ab]x', '/x/bx', false],
    ['/x/[!ab]x', '/x/cx', true],
    ['/x/[a-c]x', '/x/bx', true],
    ['/x/[a-c]x', '/x/dx', false],
    ['/x/*.log', '/x/a.log', true],
    ['/x/*.log', '/x/a.logs', false],
    ['/x/a*b*c', '/x/aXbYc', true],
    ['/x/a*b*c', '/x/aXbY', false],
    ['/x/a.b', '/x/aXb', false],
    ['/x/[', '/x/[', true],
    // a name alone matches at any depth below the working directory; a slash anchors it
    ['node_modules', 'node_modules', true],
    ['node_modules', 'a/b/node_modules/c', true],
    ['node_modules', '/srv/app/node_modules', false],
    ['node_modules/', 'web/node_modules', true],
    ['build/cache', 'build/cache/x', true],
    ['build/cache', 'web/build/cache', false],
    ['./build/cache', 'build/cache', true],
  ])('%s: %s → %s', (entry, path, scratch) => {
    expect(notScratch(literal(path), [entry]) === null).toBe(scratch);
  });

  it('takes a glob path only when the entry covers all it can expand to', () => {
    const take = (path: string, entries: readonly string[] = DEFAULT_SHELL_SCRATCH) => notScratch(literal(path, true), entries);
    expect(take('/tmp/build-*')).toBeNull();
    expect(take('/tmp/*.log')).toBeNull();
    expect(take('/tmp/x/*')).toBeNull();
    expect(take('*/node_modules')).toBeNull();
    expect(take('/tmp/*')).toBe('glob');
    expect(take('/tmp/*/x')).toBe('glob');
    expect(take('/tmp/x/.*')).toBe('glob');
    expect(take('/tmp/x/[.]x')).toBe('glob');
    expect(take('node_mod*')).toBe('glob');
    expect(take('/x/build-1*', ['/x/build-*'])).toBe('glob');
    expect(take('/x/build-*', ['/x/build-*'])).toBeNull();
    expect(notScratch({ value: '/tmp/x/@(..)', literal: true, glob: true, raw: '/tmp/x/@(..)' }, DEFAULT_SHELL_SCRATCH)).toBe('glob');
  });

  it('never takes a path with an expansion, ~ or ..', () => {
    expect(notScratch({ value: '/tmp/$X', literal: false, glob: false, raw: '/tmp/$X' }, DEFAULT_SHELL_SCRATCH)).toBe('unknown');
    expect(notScratch(literal('~/.cache'), ['.cache', '~/.cache'])).toBe('home');
    expect(notScratch(literal('/tmp/a/../b'), DEFAULT_SHELL_SCRATCH)).toBe('parent');
    expect(notScratch(literal('node_modules/..'), DEFAULT_SHELL_SCRATCH)).toBe('parent');
  });

  it('matches without backtracking, whatever the entries and the path', () => {
    const t0 = cpuMs();
    const entries = Array.from({ length: 200 }, (_, i) => `/**/**/*a*a*a*a*a*a*a${i}/**/*a*a*a*a*a*b`);
    expect(notScratch(literal(`/${'a'.repeat(255)}/${'a'.repeat(255)}`), entries)).toBe('outside');
    expect(notScratch(literal(`/${'a/'.repeat(2040)}b`), entries)).toBe('outside');
    expect(cpuMs() - t0).toBeLessThan(3000);
  });

  it('takes no path longer than Linux allows', () => {
    expect(notScratch(literal(`/tmp/${'a'.repeat(256)}`), DEFAULT_SHELL_SCRATCH)).toBe('outside');
    expect(notScratch(literal(`/tmp/${'a/'.repeat(2046)}`), DEFAULT_SHELL_SCRATCH)).toBe('outside');
    expect(notScratch(literal(`/tmp/${'a'.repeat(255)}`), DEFAULT_SHELL_SCRATCH)).toBeNull();
  });

  it('names what is wrong with an entry a policy may not use', () => {
    expect(badScratchEntry('/tmp/*')).toBeNull();
    expect(badScratchEntry('node_modules')).toBeNull();
    expect(badScratchEntry('~/x')).toMatch(/plain path/);
    expect(badScratchEntry('/a/../b')).toMatch(/\.\./);
    expect(badScratchEntry('/**')).toMatch(/every path/);
  });
});

describe('scratch paths and the rule in a policy', () => {
  const withShell = (shell: unknown) => parsePolicy({ name: 'p', guardrails: { shell } });

  it("replaces the default list with the policy's own", () => {
    const p = withShell({ scratch: ['/opt/app/releases/*', '/opt/*/cache', 'vendor/bundle'] });
    expect(evaluateShell('rm -rf /opt/app/releases/20240101', p).action).toBe('allow');
    expect(evaluateShell('rm -rf /opt/web/cache', p).action).toBe('allow');
    expect(evaluateShell('rm -rf /opt/web/cache/*', p).action).toBe('allow');
    expect(evaluateShell('rm -rf vendor/bundle', p).action).toBe('allow');
    // anchored: a slash in the entry ties it to the working directory
    expect(evaluateShell('rm -rf app/vendor/bundle', p)).toMatchObject({ action: 'review', ruleId: 'rm-recursive' });
    expect(evaluateShell('rm -rf /opt/app/releases', p)).toMatchObject({ action: 'review', ruleId: 'rm-recursive' });
    expect(evaluateShell('rm -rf /opt/app/releases/*', p)).toMatchObject({ action: 'review', ruleId: 'rm-recursive' });
    // the defaults are gone
    expect(evaluateShell('rm -rf /tmp/x', p)).toMatchObject({ action: 'review', ruleId: 'rm-recursive' });
    expect(evaluateShell('rm -rf node_modules', p)).toMatchObject({ action: 'review', ruleId: 'rm-recursive' });
    expect(evaluateShell('rm -rf x', p).hint).toContain('/opt/app/releases/*, /opt/*/cache, vendor/bundle)');
    // a data directory the list names is still denied: the broad rule comes first
    expect(evaluateShell('rm -rf /srv/web', withShell({ scratch: ['/srv/*'] }))).toMatchObject({ action: 'deny', ruleId: 'rm-recursive-broad' });
  });

  it('reviews every recursive deletion with an empty list; broad paths stay denied', () => {
    const p = withShell({ scratch: [] });
    expect(evaluateShell('rm -rf /tmp/x', p)).toMatchObject({ action: 'review', ruleId: 'rm-recursive' });
    expect(evaluateShell('rm -rf x', p).hint).toContain('this policy lists none');
    expect(evaluateShell('rm -rf /', p)).toMatchObject({ action: 'deny', ruleId: 'rm-recursive-broad' });
  });

  it('lets a policy allow, deny or switch off the rule', () => {
    expect(evaluateShell('rm -rf some-dir', withShell({ builtins: { 'rm-recursive': { action: 'allow' } } })).action).toBe('allow');
    expect(evaluateShell('rm -rf some-dir', withShell({ builtins: { 'rm-recursive': { enabled: false } } })).action).toBe('allow');
    expect(evaluateShell('rm -rf some-dir', withShell({ builtins: { 'rm-recursive': { action: 'deny' } } }))).toMatchObject({
      action: 'deny',
      ruleId: 'rm-recursive',
    });
    expect(evaluateShell('rm -rf /tmp/x', withShell({ builtins: { 'rm-recursive': { action: 'deny' } } })).action).toBe('allow');
    // switching the rule off leaves broad paths denied
    expect(evaluateShell('rm -rf /etc', withShell({ builtins: { 'rm-recursive': { enabled: false } } }))).toMatchObject({
      action: 'deny',
      ruleId: 'rm-recursive-broad',
    });
    // and switching the broad rule off leaves them reviewed
    expect(evaluateShell('rm -rf /etc', withShell({ builtins: { 'rm-recursive-broad': { enabled: false } } }))).toMatchObject({
      action: 'review',
      ruleId: 'rm-recursive',
    });
  });

  it('lets a custom rule allow one command before the built-ins', () => {
    const p = withShell({ rules: [{ id: 'release-cleanup', action: 'allow', match: { commands: ['rm'], args: ['/opt/app/releases/*'] } }] });
    expect(evaluateShell('rm -rf /opt/app/releases/1', p).action).toBe('allow');
    expect(evaluateShell('rm -rf /srv/app/shared/tmp', p)).toMatchObject({ action: 'review', ruleId: 'rm-recursive' });
  });

  it('refuses list entries that are not plain paths, or that take every path', () => {
    for (const bad of ['~/cache', '$HOME/x', '/tmp/../etc', '/', '/*', '**', '*', '.', '/tmp/{a,b}', '']) {
      expect(() => withShell({ scratch: [bad] }), bad).toThrow(/shell\.scratch\.0/);
    }
    expect(() => withShell({ scratch: ['x'.repeat(301)] })).toThrow(/shell\.scratch\.0/);
    expect(withShell({ scratch: ['/data/tmp/*', 'build', './out/**'] }).guardrails.shell.scratch).toEqual(['/data/tmp/*', 'build', './out/**']);
  });

  it('keeps the default list out of stored policies', () => {
    expect(defaultPolicy().guardrails.shell.scratch).toBeUndefined();
  });
});
