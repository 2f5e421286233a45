import zlib from 'node:zlib';

/**
 * SPDY/3 header blocks: name/value pairs, each direction of a connection compressed as one zlib stream (a sync flush
 * after each block) whose preset dictionary is SPDY/3's. The dictionary is built here from its two parts: the
 * length-prefixed words of the spec, then its literal tail.
 *
 * Node's zlib has no synchronous stream, so the context is carried by hand: after a sync flush a deflate stream is at a
 * block boundary, and all a decoder keeps is its window — the last 32 KiB of what it produced, the dictionary before
 * it. Each block is inflated (or deflated) as raw deflate data with that window as its dictionary.
 */

const WORDS = [
  ...(
    'options head post put delete trace accept accept-charset accept-encoding accept-language accept-ranges age allow ' +
    'authorization cache-control connection content-base content-encoding content-language content-length content-location ' +
    'content-md5 content-range content-type date etag expect expires from host if-match if-modified-since if-none-match ' +
    'if-range if-unmodified-since last-modified location max-forwards pragma proxy-authenticate proxy-authorization range ' +
    'referer retry-after server te trailer transfer-encoding upgrade user-agent vary via warning www-authenticate method get ' +
    'status'
  ).split(' '),
  '200 OK',
  ...'version HTTP/1.1 url public set-cookie keep-alive origin'.split(' '),
];

const TAIL =
  '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505' +
  '203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized403 Forbidden' +
  '404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable' +
  'Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT' +
  'chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,text/javascript,' +
  'publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.';

function dictionary(): Buffer {
  const parts: Buffer[] = [];
  for (const w of WORDS) {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(w.length);
    parts.push(len, Buffer.from(w, 'latin1'));
  }
  parts.push(Buffer.from(TAIL, 'latin1'));
  return Buffer.concat(parts);
}

export const SPDY_DICTIONARY = dictionary();

const WINDOW = 32 * 1024;

function adler32(b: Buffer): number {
  let a = 1;
  let s = 0;
  for (let i = 0; i < b.length; i++) {
    a = (a + b[i]!) % 65521;
    s = (s + a) % 65521;
  }
  return ((s << 16) | a) >>> 0;
}

const DICT_ID = adler32(SPDY_DICTIONARY);

function slide(window: Buffer, out: Buffer): Buffer {
  const all = out.length >= WINDOW ? out : Buffer.concat([window, out]);
  return all.length > WINDOW ? Buffer.from(all.subarray(all.length - WINDOW)) : all;
}

export class SpdyHeaderError extends Error {}

/** One direction's decompressor: header blocks in the order they came. */
export class HeaderInflater {
  private window: Buffer | null = null;

  constructor(private readonly maxBlock: number) {}

  inflate(block: Buffer): Buffer {
    let data = block;
    if (this.window === null) {
      if (block.length < 2) throw new SpdyHeaderError('the first header block is too short to start a zlib stream');
      const cmf = block[0]!;
      const flg = block[1]!;
      if ((cmf & 0x0f) !== 8 || cmf >> 4 > 7 || ((cmf << 8) | flg) % 31 !== 0) throw new SpdyHeaderError('the first header block does not start a zlib stream');
      if (flg & 0x20) {
        if (block.length < 6) throw new SpdyHeaderError('the first header block is too short to start a zlib stream');
        if (block.readUInt32BE(2) !== DICT_ID) throw new SpdyHeaderError("the header blocks are compressed with a dictionary other than SPDY/3's");
        this.window = SPDY_DICTIONARY;
        data = block.subarray(6);
      } else {
        this.window = Buffer.alloc(0);
        data = block.subarray(2);
      }
    }
    let out: Buffer;
    try {
      out = zlib.inflateRawSync(data, {
        ...(this.window.length ? { dictionary: this.window } : {}),
        finishFlush: zlib.constants.Z_SYNC_FLUSH,
        maxOutputLength: this.maxBlock,
      });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'ERR_BUFFER_TOO_LARGE') throw new SpdyHeaderError(`a header block decompresses to over ${this.maxBlock} bytes`);
      throw new SpdyHeaderError(`a header block does not decompress: ${e.message}`);
    }
    this.window = slide(this.window, out);
    return out;
  }
}

/** One direction's compressor: each block deflated and sync-flushed, so the peer reads it whole. */
export class HeaderDeflater {
  private window: Buffer | null = null;

  deflate(raw: Buffer): Buffer {
    const first = this.window === null;
    const window = this.window ?? SPDY_DICTIONARY;
    const body = zlib.deflateRawSync(raw, { dictionary: window, finishFlush: zlib.constants.Z_SYNC_FLUSH });
    this.window = slide(window, raw);
    if (!first) return body;
    const head = Buffer.alloc(6);
    head[0] = 0x78;
    head[1] = 0x20; // FDICT, the default level
    head[1] += 31 - (((head[0] << 8) | head[1]) % 31);
    head.writeUInt32BE(DICT_ID, 2);
    return Buffer.concat([head, body]);
  }
}

/** A header block's pairs: names in lower case, each with its values (SPDY joins several with NUL). The writer writes names as given. */
export type SpdyHeaders = Map<string, string[]>;

export function encodeHeaderBlock(headers: SpdyHeaders): Buffer {
  const parts: Buffer[] = [u32(headers.size)];
  for (const [name, values] of headers) {
    const n = Buffer.from(name, 'utf8');
    const v = Buffer.from(values.join('\0'), 'utf8');
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

/**
 * A decompressed header block read: every length checked against what is left; a name that is empty, not in lower
 * case or given twice, an empty value among several, or bytes after the last pair are errors (the peer's reader would
 * see the block otherwise than hoop).
 */
export function decodeHeaderBlock(b: Buffer, maxPairs = 256): SpdyHeaders {
  if (b.length < 4) throw new SpdyHeaderError('a header block is shorter than its count of pairs');
  const count = b.readUInt32BE(0);
  if (count > maxPairs) throw new SpdyHeaderError(`a header block has ${count} pairs (at most ${maxPairs} are read)`);
  const out: SpdyHeaders = new Map();
  let at = 4;
  const field = (what: string): string => {
    if (at + 4 > b.length) throw new SpdyHeaderError(`a header block ends inside a ${what}'s length`);
    const len = b.readUInt32BE(at);
    at += 4;
    if (len > b.length - at) throw new SpdyHeaderError(`a header ${what} is longer than its block`);
    const s = b.toString('utf8', at, at + len);
    at += len;
    return s;
  };
  for (let i = 0; i < count; i++) {
    const name = field('name');
    const value = field('value');
    if (!name) throw new SpdyHeaderError('a header block has an empty name');
    if (name !== name.toLowerCase()) throw new SpdyHeaderError(`the header name "${name.slice(0, 60)}" is not in lower case`);
    if (out.has(name)) throw new SpdyHeaderError(`the header "${name.slice(0, 60)}" is given twice`);
    const values = value.split('\0');
    if (values.length > 1 && values.some((v) => v === '')) throw new SpdyHeaderError(`the header "${name.slice(0, 60)}" has an empty value among several`);
    out.set(name, values);
  }
  if (at !== b.length) throw new SpdyHeaderError('a header block has bytes after its last pair');
  return out;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
