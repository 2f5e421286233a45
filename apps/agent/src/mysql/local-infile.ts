import { createHash } from 'node:crypto';
import { framePacket, packetCount } from '@hoop/mysqlwire';

/**
 * The files a statement asks the client for: the string after each `LOCAL INFILE` (LOAD DATA and LOAD XML), read as
 * the server reads the text — comments skipped, versioned comments (`/*!50000 … *\/`, `/*M!… *\/`) read as code,
 * quotes and backslash escapes undone. A server's LOCAL INFILE request for any other name is refused (relay.ts): a
 * hostile or compromised target cannot make the client send a file the statement did not name.
 */
export function localInfileNames(sql: string): string[] {
  const names: string[] = [];
  /** the last two words read, upper case ('' for anything else) */
  let prev = ['', ''];
  const word = (w: string) => {
    prev = [prev[1]!, w];
  };
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    if (c === '-' && sql[i + 1] === '-' && (i + 2 >= n || /[\s\x00-\x1f]/.test(sql[i + 2]!))) {
      i = lineEnd(sql, i);
    } else if (c === '#') {
      i = lineEnd(sql, i);
    } else if (c === '/' && sql[i + 1] === '*') {
      const versioned = /^\/\*(M?!)(\d{5,6})?/.exec(sql.slice(i, i + 10));
      if (versioned) i += versioned[0].length;
      else {
        const close = sql.indexOf('*/', i + 2);
        i = close < 0 ? n : close + 2;
      }
    } else if (c === '*' && sql[i + 1] === '/') {
      // the end of a versioned comment read as code
      i += 2;
    } else if (c === "'" || c === '"') {
      const { text, end } = quoted(sql, i);
      if (prev[0] === 'LOCAL' && prev[1] === 'INFILE') names.push(text);
      word('');
      i = end;
    } else if (c === '`') {
      const close = sql.indexOf('`', i + 1);
      i = close < 0 ? n : close + 1;
      word('');
    } else if (/[A-Za-z0-9_$]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_$]/.test(sql[j]!)) j++;
      word(sql.slice(i, j).toUpperCase());
      i = j;
    } else {
      if (!/\s/.test(c)) word('');
      i++;
    }
  }
  return names;
}

function lineEnd(sql: string, i: number): number {
  const nl = sql.indexOf('\n', i);
  return nl < 0 ? sql.length : nl + 1;
}

const ESCAPES: Record<string, string> = { '0': '\0', b: '\b', n: '\n', r: '\r', t: '\t', Z: '\x1a' };

/** A quoted string starting at `start`: its text (doubled quotes and backslash escapes undone) and where it ends. */
function quoted(sql: string, start: number): { text: string; end: number } {
  const q = sql[start]!;
  let text = '';
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === '\\' && i + 1 < sql.length) {
      const e = sql[i + 1]!;
      text += ESCAPES[e] ?? e;
      i += 2;
    } else if (c === q && sql[i + 1] === q) {
      text += q;
      i += 2;
    } else if (c === q) return { text, end: i + 1 };
    else {
      text += c;
      i++;
    }
  }
  return { text, end: sql.length };
}

/**
 * One LOAD DATA LOCAL INFILE transfer, from the server's request to the client's empty packet: the client's packets
 * go to the target as they come, renumbered after the request's, and the trail records the file's name, size and
 * sha256 (not its contents).
 */
export class InfileTransfer {
  private bytes = 0;
  private packets = 0;
  private readonly hash = createHash('sha256');

  private constructor(
    private readonly file: string,
    /** the sequence id of the next packet to the target */
    public sequenceId: number,
    private readonly mask: (text: string) => string,
  ) {}

  /** The transfer the server asks for, or why it is refused: the statement must name the file. */
  static start(sql: string | null, file: string, requestSeq: number, mask: (text: string) => string): InfileTransfer | string {
    if (sql !== null && localInfileNames(sql).includes(file)) return new InfileTransfer(file, (requestSeq + 1) & 0xff, mask);
    return `the server asked for the local file '${file}', which the statement does not name: refused, the file was not sent`;
  }

  /** Passes one packet of the client's on; false once it was the empty packet that ends the file. */
  send(payload: Buffer, target: { write(b: Buffer): unknown }): boolean {
    target.write(framePacket(payload, this.sequenceId));
    this.sequenceId = (this.sequenceId + packetCount(payload.length)) & 0xff;
    if (payload.length === 0) return false;
    this.bytes += payload.length;
    this.packets++;
    this.hash.update(payload);
    return true;
  }

  record(): Record<string, unknown> {
    return { file: this.mask(this.file), bytes: this.bytes, packets: this.packets, sha256: this.hash.digest('hex') };
  }
}
