import { describe, expect, it } from 'vitest';
import { splitKeys, TypedLine } from './keystrokes';

function typed(...writes: string[]) {
  const t = new TypedLine();
  for (const w of writes) t.feed(w);
  t.settle();
  return { edited: t.editedText, literal: t.literalText, keys: t.keysText };
}

describe('TypedLine', () => {
  it.each([
    ['plain text', ['ls -la /var/log'], 'ls -la /var/log'],
    ['backspace and Delete', ['rm -rf /tmpx\x7f', '\x1b[D\x1b[D\x1b[D\x1b[D', '\x1b[3~'], 'rm -rf tmp'],
    ['Ctrl-U keeps what is right of the cursor', ['echo hi\x15whoami'], 'whoami'],
    ['Ctrl-W stops at blanks', ['cp a  bbb\x17c'], 'cp a  c'],
    ['Home/End, Ctrl-A/E, Ctrl-K', ['world\x1b[Hhello \x1b[F!', '\x01>\x05<', '\x1b[D\x0b'], '>hello world!'],
    ['the other Home/End encodings', ['b\x1bOHa\x1bOFc\x1b[1~[\x1b[4~]'], '[abc]'],
    ['Ctrl-L clears the screen, not the line', ['ls\x0c -l'], 'ls -l'],
    ['Ctrl-C abandons what came before it', ['rm -rf /srv\x03ls'], 'ls'],
  ])('%s', (_name, writes, edited) => {
    expect(typed(...writes).edited).toBe(edited);
  });

  it('cannot follow history, completion, Escape or Alt keys, and says so', () => {
    for (const key of ['\x1b[A', '\x1b[B', '\t', '\x12', '\x10', '\x19', '\x1b', '\x1bb', '\x1b[1;5D', '\x16']) {
      expect(typed(`ls${key}x`).edited, JSON.stringify(key)).toBeNull();
    }
  });

  it('keeps the keys typed since the last one it could not follow', () => {
    expect(typed('ihello\x1b', ':!rm -rf /srv').keys).toBe(':!rm -rf /srv');
    expect(typed('\x1b', ':wq\x7f\x7fq').keys).toBe(':q');
    expect(typed('cat /etc/pas\t', 'wd').keys).toBe('wd');
  });

  it('keeps keys a line editor moves over in the literal reading, as a cooked-mode terminal passes them', () => {
    const t = typed('rm -rf x #\x1b[Hecho ');
    expect(t.edited).toBe('echo rm -rf x #');
    expect(t.literal).toBe('rm -rf x #\x1b[Hecho ');
    // what a cooked-mode terminal edits itself: erase, kill and word erase
    expect(typed('ls /tmpx\x7f\x17/srv').literal).toBe('ls /srv');
    expect(typed('abc\x15ls\x01').literal).toBe('ls\x01');
  });

  it('completes an escape sequence the connection cut in two', () => {
    expect(typed('abc', '\x1b', '[D', 'X').edited).toBe('abXc');
    expect(typed('abc', '\x1b[', '3', '~').edited).toBe('abc');
    // Escape at the end, with nothing after it: Escape
    expect(typed('abc\x1b').edited).toBeNull();
  });

  it('takes a paste as text, newlines included', () => {
    const t = new TypedLine();
    t.feed('echo ');
    t.paste('one\ntwo');
    expect(t.editedText).toBe('echo one\ntwo');
    expect(t.literalText).toBe('echo one\ntwo');
  });
});

describe('splitKeys', () => {
  it('names keys and leaves a cut sequence for later', () => {
    expect(splitKeys('ab\x1b[Dc\x1b[200~').keys).toEqual([
      { kind: 'text', text: 'ab' },
      { kind: 'left' },
      { kind: 'text', text: 'c' },
      { kind: 'escape', seq: '\x1b[200~' },
    ]);
    expect(splitKeys('ab\x1b[20')).toEqual({ keys: [{ kind: 'text', text: 'ab' }], rest: '\x1b[20' });
    expect(splitKeys('\x1bOA').keys).toEqual([{ kind: 'escape', seq: '\x1bOA' }]);
  });
});
