/** Validators that turn a pattern match into a detection: checksums, issuer ranges, reserved numbers. */

/** Luhn (mod 10) over a string of ASCII digits. */
export function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/**
 * Issuer ranges and lengths: Visa 4 (13/16/19), Mastercard 51–55 and 2221–2720 (16), Amex 34/37 (15),
 * Discover 6011/644–649/65/622126–622925 (16–19), JCB 3528–3589 (16–19), Diners 300–305/3095/36/38/39 (14–19).
 */
export function cardBrand(digits: string): string | null {
  const n = digits.length;
  if (n < 12) return null;
  const p2 = (digits.charCodeAt(0) - 48) * 10 + digits.charCodeAt(1) - 48;
  const p3 = p2 * 10 + digits.charCodeAt(2) - 48;
  const p4 = p3 * 10 + digits.charCodeAt(3) - 48;
  const p6 = (p4 * 10 + digits.charCodeAt(4) - 48) * 10 + digits.charCodeAt(5) - 48;
  if (p2 >= 40 && p2 <= 49) return n === 13 || n === 16 || n === 19 ? 'visa' : null;
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n === 16 ? 'mastercard' : null;
  if (p2 === 34 || p2 === 37) return n === 15 ? 'amex' : null;
  if (p4 === 6011 || (p3 >= 644 && p3 <= 649) || p2 === 65 || (p6 >= 622126 && p6 <= 622925)) return n >= 16 && n <= 19 ? 'discover' : null;
  if (p4 >= 3528 && p4 <= 3589) return n >= 16 && n <= 19 ? 'jcb' : null;
  if ((p3 >= 300 && p3 <= 305) || p4 === 3095 || p2 === 36 || p2 === 38 || p2 === 39) return n >= 14 && n <= 19 ? 'diners' : null;
  return null;
}

export function isCardNumber(digits: string): boolean {
  return digits.length >= 13 && digits.length <= 19 && cardBrand(digits) !== null && luhn(digits);
}

/** US SSN parts: area 000, 666 and 900–999, group 00 and serial 0000 are never issued. */
export function isSsn(area: string, group: string, serial: string): boolean {
  const a = Number(area);
  return a !== 0 && a !== 666 && a < 900 && group !== '00' && serial !== '0000';
}

/** A dotted quad with octets 0–255 and no leading zeros. */
export function ipv4Octets(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    if (p.length === 0 || p.length > 3 || (p.length > 1 && p[0] === '0')) return null;
    for (let i = 0; i < p.length; i++) {
      const c = p.charCodeAt(i);
      if (c < 48 || c > 57) return null;
    }
    const v = Number(p);
    if (v > 255) return null;
    out.push(v);
  }
  return out;
}

/** Addresses that identify no one: unspecified, loopback, broadcast. */
export function isNonIdentifyingIpv4(o: number[]): boolean {
  return (o[0] === 0 && o[1] === 0 && o[2] === 0 && o[3] === 0) || o[0] === 127 || o.every((x) => x === 255);
}

const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;

/**
 * An IPv6 address (RFC 4291 text forms, optional trailing dotted quad). Words made only of hex letters
 * (`add::bad`) are rejected: a real address practically always has a digit. Loopback and unspecified are not PII.
 */
export function isIpv6(text: string): boolean {
  const halves = text.split('::');
  if (halves.length > 2) return false;
  let groups = 0;
  let hasDigit = false;
  for (let h = 0; h < halves.length; h++) {
    const half = halves[h]!;
    if (half === '') continue;
    const parts = half.split(':');
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (h === halves.length - 1 && i === parts.length - 1 && part.includes('.')) {
        if (!ipv4Octets(part)) return false;
        groups += 2;
        hasDigit = true;
        continue;
      }
      if (!HEX_GROUP.test(part)) return false;
      if (/\d/.test(part)) hasDigit = true;
      groups++;
    }
  }
  if (halves.length === 2 ? groups > 7 : groups !== 8) return false;
  if (!hasDigit) return false;
  const compact = text.toLowerCase();
  return compact !== '::1' && compact !== '::' && !/^(0{1,4}:){7}0{0,3}1$/.test(compact);
}

/** The first part of a JWT: base64url that decodes to a JSON object with a string `alg`. */
export function jwtHeaderAlg(part: string): string | null {
  if (part.length < 10 || part.length > 2000) return null;
  try {
    const header: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    if (typeof header !== 'object' || header === null) return null;
    const alg = (header as { alg?: unknown }).alg;
    return typeof alg === 'string' && alg.length > 0 && alg.length < 32 ? alg : null;
  } catch {
    return null;
  }
}

/** TLD shape: 2–24 ASCII letters, or an IDN A-label (`xn--…`); file extensions are not TLDs here. */
export function isTld(label: string): boolean {
  if (label.length >= 5 && label.length <= 30 && /^xn--[a-z0-9-]+$/i.test(label)) return true;
  if (label.length < 2 || label.length > 24 || !/^[A-Za-z]+$/.test(label)) return false;
  return !FILE_EXTENSIONS.has(label.toLowerCase());
}

/** Extensions seen after `@` in asset names (`icon@2x.png`, `pkg@1.0.0.tgz`) that are not delegated TLDs. */
const FILE_EXTENSIONS = new Set([
  'png',
  'jpg',
  'jpeg',
  'gif',
  'svg',
  'webp',
  'ico',
  'bmp',
  'tif',
  'tiff',
  'heic',
  'avif',
  'css',
  'scss',
  'js',
  'mjs',
  'cjs',
  'jsx',
  'ts',
  'tsx',
  'map',
  'json',
  'txt',
  'html',
  'htm',
  'xml',
  'yml',
  'yaml',
  'toml',
  'ini',
  'cfg',
  'conf',
  'log',
  'csv',
  'tsv',
  'pdf',
  'tgz',
  'gz',
  'bz',
  'xz',
  'tar',
  'rb',
  'py',
  'go',
  'rs',
  'java',
  'kt',
  'swift',
  'php',
  'pl',
  'sh',
  'bash',
  'lock',
  'wasm',
  'woff',
  'ttf',
  'otf',
  'eot',
  'mp3',
  'mp4',
  'wav',
  'ogg',
  'webm',
  'avi',
  'mkv',
  'sql',
  'db',
  'sqlite',
  'bak',
  'tmp',
  'swp',
  'exe',
  'dll',
  'so',
  'dylib',
  'bin',
  'dat',
]);
