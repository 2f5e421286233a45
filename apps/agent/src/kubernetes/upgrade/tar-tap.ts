import { createHash, type Hash } from 'node:crypto';
import type { ResolvedPolicy } from '@hoop/pipeline';
import { queryFlag } from './exec-command';
import { padding, type TarHeader, TarReader, withSize } from './tar-codec';

/**
 * `kubectl cp` through hoop: the archive `tar cf -` writes in the container (a download) and the one `tar xf -` reads
 * (an upload), read entry by entry.
 *
 * A download is what the container's files hold, so it is masked as any other output is: each file's content, when it
 * is text (UTF-8 without NUL), is masked whole and its header written again with the new size and checksum, so the
 * archive the user unpacks is a correct one with masked files in it. What hoop cannot mask is never passed on
 * unmasked, and never dropped silently either: a binary file, a file over MAX_MASKED_FILE, an archive that is not
 * plain tar (compressed, unreadable) end the copy there — the files before it are delivered, the client is told on
 * stderr which file was withheld and why, and the exec ends in failure. With masking off in the connection's policy
 * the archive goes through as it is. Either way each file is recorded (`file` events: path, size, sha256 of what the
 * user got, masked values, withheld and why).
 *
 * An upload goes to the container as the user sent it (masking is for what comes out of the cluster); each of its
 * files is recorded with its size and sha256.
 */

/**
 * `create`: tar writing its archive to stdout; `extract`: tar reading one from stdin; `resume`: `kubectl cp --retries`
 * resuming a download (`sh -c 'tar cf - PATH | tail -c+N'`, N > 1), the archive's tail from byte N on — which hoop
 * cannot mask (kubectl counts the masked bytes it got, tail cuts the unmasked archive): withheld when masking is on.
 */
export type TarMode = 'create' | 'extract' | 'resume' | null;

/**
 * What the channel tap makes of an exec's tar (tarMode), whether output is masked — as all output is, unless the
 * policy turns masking off (an invalid policy does not) — and whether it has a terminal (output a screen's text).
 */
export function tarOptions(verb: string, argv: string[], r: ResolvedPolicy, query: string): { tar: TarMode; masking: boolean; tty: boolean } {
  return { tar: verb === 'exec' ? tarMode(argv) : null, masking: !('policy' in r) || r.policy.masking.enabled, tty: queryFlag(query, 'tty') };
}

/**
 * Whether an exec's argv is tar writing an archive (`tar cf - PATH`) or reading one (`tar -xmf - -C DIR`), or the
 * form `kubectl cp --retries` runs: `sh -c 'tar cf - PATH | tail -c+N'` (N = 0 or 1: the whole archive, a download
 * as `tar cf -` is; N > 1: `resume`).
 */
export function tarMode(argv: string[]): TarMode {
  const program = (argv[0] ?? '').split('/').pop();
  if (program === 'sh' && argv.length === 3 && argv[1] === '-c') {
    const offset = tailOffset(argv[2]!);
    return offset === null ? null : offset <= 1 ? 'create' : 'resume';
  }
  if (program !== 'tar') return null;
  for (const [i, a] of argv.slice(1).entries()) {
    if (a === '--create' || a === '--extract' || a === '--get') return a === '--create' ? 'create' : 'extract';
    if (a.startsWith('--') || !(a.startsWith('-') || i === 0)) continue;
    if (/^-?[A-Za-z]*c/.test(a)) return 'create';
    if (/^-?[A-Za-z]*x/.test(a)) return 'extract';
  }
  return null;
}

/** one shell word that expands to nothing: plain characters, single-quoted runs, a quote escaped as `\'` (kubectl quotes a path so) */
const WORD = String.raw`(?:[A-Za-z0-9_@%+=:,./-]|'[^']*'|\\')+`;
/**
 * kubectl's script, `tar cf - 'PATH' | tail -c+N`, and nothing else: blanks are spaces and tabs only (a newline would
 * end the pipeline), no other command, redirection, expansion or option; N without leading zeros. kubectl's first try
 * is `tail -c+0`, which GNU tail and busybox read as +1.
 */
const RETRY_SCRIPT = new RegExp(String.raw`^[ \t]*tar[ \t]+cf[ \t]+-[ \t]+${WORD}[ \t]*\|[ \t]*tail[ \t]+-c[ \t]*\+(0|[1-9][0-9]*)[ \t]*$`);

/** N of kubectl's `tar cf - PATH | tail -c+N`, or null for any other script */
export function tailOffset(script: string): number | null {
  const m = RETRY_SCRIPT.exec(script);
  return m ? Number(m[1]) : null;
}

/** the largest file a download masks (held whole while it is masked) */
export const MAX_MASKED_FILE = 8 * 1024 * 1024;

export interface FileRecord {
  op: 'download' | 'upload';
  path: string;
  size: number;
  /** what the user got (download) or sent (upload) */
  sha256?: string;
  /** the size once masked, when masking changed the file */
  maskedSize?: number;
  withheld?: string;
}

const isRegular = (h: TarHeader) => h.type === '0' || h.type === '7';

/** The files of an archive as they go by, for the record: names from GNU long-name and pax entries too. */
class Entries {
  private longName: string | null = null;

  /** the name of the entry `h` starts, or null for an entry that only names the next one */
  name(h: TarHeader, data: Buffer | null): string | null {
    if (h.type === 'L' && data) {
      this.longName = data.toString('utf8').replace(/\0.*$/s, '');
      return null;
    }
    if (h.type === 'x' && data) {
      this.longName = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(data.toString('utf8'))?.[1] ?? this.longName;
      return null;
    }
    if (h.type === 'L' || h.type === 'x' || h.type === 'g' || h.type === 'K') return null;
    const name = this.longName ?? h.name;
    this.longName = null;
    return name;
  }
}

export interface DownloadEvents {
  /** masking is on in the connection's policy */
  masking: boolean;
  maskText(text: string): string;
  /** bytes for the client's stdout */
  out(bytes: Buffer): void;
  record(f: FileRecord): void;
  /** what is left cannot be masked: nothing more goes to the client */
  withhold(reason: string): void;
}

export class TarDownload {
  private readonly reader: TarReader;
  private readonly names = new Entries();
  private entry: { h: TarHeader; name: string | null; parts: Buffer[]; size: number; hash: Hash } | null = null;
  private stopped = false;
  /** a pax record sets the size of the entry after it: one hoop does not rewrite */
  private paxSize = false;

  constructor(private readonly o: DownloadEvents) {
    this.reader = new TarReader({
      header: (h) => this.header(h),
      data: (chunk) => this.data(chunk),
      entryEnd: () => this.entryEnd(),
      trailer: (chunk) => {
        if (this.stopped) return;
        // after the end blocks tar writes zeros only: anything else would go by unread
        if (o.masking && chunk.some((b) => b !== 0)) return this.stop(null, 'bytes after the end of the archive that are not its padding');
        o.out(chunk);
      },
      error: (message) => this.stop(null, message),
    });
  }

  push(chunk: Buffer): void {
    if (!this.stopped) this.reader.push(chunk);
  }

  /** stdout is over */
  end(): void {
    if (!this.stopped && !this.reader.complete) this.stop(this.entry?.name ?? null, 'the archive ended in the middle of a file');
  }

  private header(h: TarHeader): void {
    const held = this.o.masking && (isRegular(h) || h.type === 'x' || h.type === 'L' || h.type === 'K');
    this.entry = { h, name: null, parts: [], size: 0, hash: createHash('sha256') };
    if (!isRegular(h) && !['1', '2', '5', 'L', 'K', 'x', 'g', '3', '4', '6'].includes(h.type) && this.o.masking)
      return this.stop(h.name, `an entry of type "${h.type}" (sparse or multi-volume), which hoop cannot mask`);
    if (isRegular(h) && this.o.masking) {
      const name = this.names.name(h, null);
      this.entry.name = name;
      if (h.huge || h.size > MAX_MASKED_FILE) return this.stop(name, `it is over ${MAX_MASKED_FILE / 1024 / 1024} MiB, more than hoop masks`);
      if (this.paxSize) return this.stop(name, 'its size is set by a pax record, which hoop does not rewrite');
    }
    if (!held) this.o.out(h.raw);
  }

  private data(chunk: Buffer): void {
    const e = this.entry;
    if (this.stopped || !e) return;
    e.size += chunk.length;
    const held = this.o.masking && (isRegular(e.h) || e.h.type === 'x' || e.h.type === 'L' || e.h.type === 'K');
    if (held) {
      if (e.size > MAX_MASKED_FILE) return this.stop(e.name, 'a name or pax record too long to read');
      e.parts.push(Buffer.from(chunk));
    } else {
      e.hash.update(chunk);
      this.o.out(chunk);
    }
  }

  private entryEnd(): void {
    const e = this.entry;
    this.entry = null;
    if (this.stopped || !e) return;
    const { h } = e;
    const content = Buffer.concat(e.parts);
    if (!isRegular(h)) {
      if (this.o.masking && (h.type === 'x' || h.type === 'L' || h.type === 'K')) {
        if (h.type === 'x') this.paxSize = /(?:^|\n)\d+ size=/.test(content.toString('utf8'));
        this.names.name(h, content);
        this.o.out(Buffer.concat([h.raw, content, Buffer.alloc(padding(content.length))]));
      } else {
        this.names.name(h, null);
        if (h.size) this.o.out(Buffer.alloc(padding(h.size)));
      }
      return;
    }
    const path = e.name ?? this.names.name(h, null) ?? h.name;
    if (!this.o.masking) {
      if (h.size) this.o.out(Buffer.alloc(padding(h.size)));
      return this.o.record({ op: 'download', path, size: h.size, sha256: e.hash.digest('hex') });
    }
    const text = readText(content);
    if (text === null) return this.stop(path, 'it is binary, which hoop cannot mask');
    const masked = this.o.maskText(text);
    const out = masked === text ? content : Buffer.from(masked);
    this.o.out(Buffer.concat([out === content ? h.raw : withSize(h.raw, out.length), out, Buffer.alloc(padding(out.length))]));
    this.o.record({
      op: 'download',
      path,
      size: h.size,
      sha256: createHash('sha256').update(out).digest('hex'),
      ...(out !== content ? { maskedSize: out.length } : {}),
    });
  }

  private stop(path: string | null, why: string): void {
    if (this.stopped) return;
    this.stopped = true;
    this.o.record({ op: 'download', path: path ?? '(archive)', size: this.entry?.h.size ?? 0, withheld: why });
    this.o.withhold(`${path ? `${path} was withheld` : 'the archive was withheld'}: ${why}; the files before it were copied`);
  }
}

/** UTF-8 text without NUL, or null */
function readText(b: Buffer): string | null {
  if (b.includes(0)) return null;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(b);
  } catch {
    return null;
  }
}

/** An upload (`tar xf -` reading stdin): each file recorded, the bytes untouched. */
export class TarUpload {
  private readonly reader: TarReader;
  private readonly names = new Entries();
  private entry: { h: TarHeader; parts: Buffer[]; hash: Hash } | null = null;
  private broken = false;

  constructor(record: (f: FileRecord) => void) {
    this.reader = new TarReader({
      header: (h) => void (this.entry = { h, parts: [], hash: createHash('sha256') }),
      data: (chunk) => {
        const e = this.entry!;
        if (e.h.type === 'L' || e.h.type === 'x') {
          if (e.parts.length < 1024) e.parts.push(Buffer.from(chunk));
        } else e.hash.update(chunk);
      },
      entryEnd: () => {
        const e = this.entry!;
        this.entry = null;
        const name = this.names.name(e.h, e.parts.length ? Buffer.concat(e.parts) : null);
        if (name !== null && isRegular(e.h)) record({ op: 'upload', path: name, size: e.h.size, sha256: e.hash.digest('hex') });
      },
      trailer: () => undefined,
      error: (message) => {
        this.broken = true;
        record({ op: 'upload', path: '(archive)', size: 0, withheld: `not read: ${message}; passed on as sent` });
      },
    });
  }

  push(chunk: Buffer): void {
    if (!this.broken) this.reader.push(chunk);
  }
}
