import { describe, expect, it } from 'vitest';
import { DEFAULT_SHELL_SCRATCH } from '../policy/schema';
import { badScratchEntry, notScratch } from './scratch';

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
    const t0 = performance.now();
    const entries = Array.from({ length: 200 }, (_, i) => `/**/**/*a*a*a*a*a*a*a${i}/**/*a*a*a*a*a*b`);
    expect(notScratch(literal(`/${'a'.repeat(255)}/${'a'.repeat(255)}`), entries)).toBe('outside');
    expect(notScratch(literal(`/${'a/'.repeat(2040)}b`), entries)).toBe('outside');
    expect(performance.now() - t0).toBeLessThan(3000);
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
