import path from 'node:path';
import { BUILTIN_COMMANDS, type BuiltinCommand, type ProcessIo } from './exec';

/**
 * A pod's filesystem in memory, and the built-in commands that use it — what `kubectl cp` runs in the container:
 * `tar cf - PATH` (download: a ustar archive of PATH on stdout, names without the leading `/`, as GNU tar writes
 * them), `tar -xmf - [-C DIR]` (upload: the archive on stdin unpacked under DIR; ustar, GNU long names and pax
 * `path` records, as Go's archive/tar writes them), and `test -d PATH` (kubectl asks whether the destination is a
 * directory). Also `rm [-rf] PATH…` and `ls PATH`, for the shell, and `sh -c 'tar cf - PATH | tail -c+N'` (what
 * `kubectl cp --retries` runs: the archive from its byte N on; `tail -c +N` too) and `sh -c 'tar cf - PATH | cat'`
 * (the archive as it is); any other `sh` is the kit's. Paths are absolute, `/` is the root; directories
 * are the prefixes of the files and those made empty.
 */
export class PodFiles {
  readonly files = new Map<string, Buffer>();
  readonly dirs = new Set<string>(['/']);

  put(file: string, content: Buffer | string): void {
    const p = path.posix.resolve('/', file);
    this.files.set(p, Buffer.from(content));
    for (let d = path.posix.dirname(p); d !== '/'; d = path.posix.dirname(d)) this.dirs.add(d);
  }

  get(file: string): Buffer | undefined {
    return this.files.get(path.posix.resolve('/', file));
  }

  isDir(p: string): boolean {
    return this.dirs.has(path.posix.resolve('/', p));
  }

  /** the files under `p` (or `p` itself), sorted */
  under(p: string): string[] {
    const root = path.posix.resolve('/', p);
    return [...this.files.keys()].filter((f) => f === root || f.startsWith(root === '/' ? '/' : `${root}/`)).sort();
  }

  remove(p: string): void {
    const root = path.posix.resolve('/', p);
    for (const f of this.under(root)) this.files.delete(f);
    for (const d of [...this.dirs]) if (root === '/' ? d !== '/' : d === root || d.startsWith(`${root}/`)) this.dirs.delete(d);
  }

  /** the commands that use these files, for startKubeApiServer's `commands` */
  commands(): Record<string, BuiltinCommand> {
    return {
      tar: (args, io) => this.tar(args, io),
      sh: (args, io) => {
        const pipe = args[0] === '-c' ? /^tar cf - '?([^'| ]+)'? \| (?:tail -c ?\+(\d+)|cat)$/.exec(args[1] ?? '') : null;
        if (!pipe || !io.writeBytes) return BUILTIN_COMMANDS.sh!(args, io);
        const archive = this.archive(pipe[1]!);
        if (!archive) return io.exit(2);
        io.writeBytes(1, archive.subarray(Math.max(0, Number(pipe[2] ?? 1) - 1)));
        io.exit(0);
      },
      test: (args, io) => io.exit(args[0] === '-d' && args[1] !== undefined && this.isDir(args[1]) ? 0 : 1),
      rm: (args, io) => {
        for (const a of args.filter((x) => !x.startsWith('-'))) this.remove(a);
        io.exit(0);
      },
      ls: (args, io) => {
        const p = path.posix.resolve('/', args.find((a) => !a.startsWith('-')) ?? '/');
        const names = new Set(this.under(p).map((f) => f.slice(p === '/' ? 1 : p.length + 1).split('/')[0]!));
        io.write(
          1,
          [...names]
            .filter(Boolean)
            .map((n) => `${n}\n`)
            .join(''),
        );
        io.exit(0);
      },
    };
  }

  /** `tar cf - src`'s archive, or null when there is nothing at src */
  archive(src: string | undefined): Buffer | null {
    if (!src || this.under(src).length === 0) return null;
    const parts: Buffer[] = [];
    const root = path.posix.resolve('/', src);
    if (this.isDir(root)) parts.push(header(`${root.slice(1)}/`, 0, '5'));
    for (const d of [...this.dirs].filter((x) => x.startsWith(`${root}/`)).sort()) parts.push(header(`${d.slice(1)}/`, 0, '5'));
    for (const f of this.under(root)) {
      const data = this.files.get(f)!;
      parts.push(header(f.slice(1), data.length, '0'), data, Buffer.alloc((512 - (data.length % 512)) % 512));
    }
    parts.push(Buffer.alloc(1024));
    return Buffer.concat(parts);
  }

  private tar(args: string[], io: ProcessIo): void {
    const { writeBytes, onStdinBytes } = io;
    if (!writeBytes || !onStdinBytes) {
      io.write(2, 'tar: the kit carries no binary streams over this transport\n');
      return io.exit(2);
    }
    const flags = args.filter((a) => !a.startsWith('--'));
    const mode = flags[0]?.replace(/^-/, '') ?? '';
    if (mode.startsWith('c')) {
      const archive = this.archive(flags[2]);
      if (!archive) {
        io.write(2, `tar: ${flags[2] ?? ''}: Cannot stat: No such file or directory\ntar: Exiting with failure status due to previous errors\n`);
        return io.exit(2);
      }
      writeBytes(1, archive);
      return io.exit(0);
    }
    if (mode.includes('x')) {
      const c = flags.indexOf('-C');
      const dir = c >= 0 ? (flags[c + 1] ?? '/') : '/';
      const chunks: Buffer[] = [];
      onStdinBytes((d) => {
        if (d !== null) return void chunks.push(d);
        try {
          for (const e of readTar(Buffer.concat(chunks))) {
            const p = path.posix.resolve('/', dir, e.name.replace(/^\/+/, ''));
            if (e.type === '5') this.dirs.add(p);
            else if (e.type === '0') this.put(p, e.data);
          }
          io.exit(0);
        } catch (err) {
          io.write(2, `tar: ${(err as Error).message}\n`);
          io.exit(2);
        }
      });
      return;
    }
    io.write(2, 'tar: You must specify one of the -c, -x options\n');
    io.exit(2);
  }
}

function octal(n: number, width: number): string {
  return `${n.toString(8).padStart(width - 1, '0')}\0`;
}

function header(name: string, size: number, type: '0' | '5'): Buffer {
  const h = Buffer.alloc(512);
  if (Buffer.byteLength(name) > 100) {
    const long = Buffer.from(`${name}\0`);
    return Buffer.concat([
      header('././@LongLink', long.length, 'L' as '0'),
      long,
      Buffer.alloc((512 - (long.length % 512)) % 512),
      header(name.slice(0, 100), size, type),
    ]);
  }
  h.write(name, 0, 100);
  h.write(octal(type === '5' ? 0o755 : 0o644, 8), 100);
  h.write(octal(0, 8), 108);
  h.write(octal(0, 8), 116);
  h.write(octal(size, 12), 124);
  h.write(octal(1_700_000_000, 12), 136);
  h.write(type, 156);
  h.write('ustar  \0', 257);
  h.write('root', 265);
  h.write('root', 297);
  h.fill(' ', 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

/** the entries of a whole archive: ustar, GNU long names (`L`) and pax `path` records */
function readTar(buf: Buffer): { name: string; type: string; data: Buffer }[] {
  const out: { name: string; type: string; data: Buffer }[] = [];
  let at = 0;
  let nextName: string | null = null;
  while (at + 512 <= buf.length) {
    const h = buf.subarray(at, at + 512);
    if (h.every((b) => b === 0)) break;
    const field = (o: number, n: number) => h.toString('utf8', o, o + n).replace(/\0.*$/s, '');
    const size = Number.parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1) || '0';
    const prefix = field(345, 155);
    const data = buf.subarray(at + 512, at + 512 + size);
    if (data.length < size) throw new Error('Unexpected EOF in archive');
    at += 512 + Math.ceil(size / 512) * 512;
    if (type === 'L') nextName = data.toString('utf8').replace(/\0.*$/s, '');
    else if (type === 'x') nextName = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(data.toString('utf8'))?.[1] ?? nextName;
    else if (type !== 'g') {
      const name = nextName ?? (prefix && h.toString('latin1', 257, 262) === 'ustar' ? `${prefix}/${field(0, 100)}` : field(0, 100));
      nextName = null;
      out.push({ name, type: type === '\0' || type === '7' ? '0' : type, data: Buffer.from(data) });
    }
  }
  return out;
}
