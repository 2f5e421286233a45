/**
 * IP addresses. IPv4: four octets 0–255 without leading zeros, not part of a longer dotted number and not written as
 * a version (`v1.2.3.4`, `version 1.2.3.4`, `build 10.0.0.1`); in a column named like a version no IPv4 is looked
 * for at all. IPv6: the RFC 4291 text forms with at least one digit. Loopback, unspecified and broadcast addresses
 * identify no one and are left alone.
 */
import type { PiiSpan } from './types';
import { ipv4Octets, isIpv6, isNonIdentifyingIpv4 } from './validate';

const IPV4 = /(?<![\w.])\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?![\w]|\.\d)/g;
const VERSION_BEFORE = /(?:\bv|\bver(?:sion)?|\brelease|\brel|\bbuild|\brev(?:ision)?|\bfirmware|\bfw)[\s:=#]{0,3}$/i;

export function findIpv4(text: string, out: PiiSpan[]): void {
  IPV4.lastIndex = 0;
  for (let m = IPV4.exec(text); m !== null; m = IPV4.exec(text)) {
    const octets = ipv4Octets(m[0]);
    if (!octets || isNonIdentifyingIpv4(octets)) continue;
    if (VERSION_BEFORE.test(text.slice(Math.max(0, m.index - 12), m.index))) continue;
    out.push({ start: m.index, end: m.index + m[0].length, type: 'ip' });
  }
}

const IPV6 = /(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?::\d{1,3}(?:\.\d{1,3}){3})?(?![\w:]|\.\d)/g;

export function findIpv6(text: string, out: PiiSpan[]): void {
  IPV6.lastIndex = 0;
  for (let m = IPV6.exec(text); m !== null; m = IPV6.exec(text)) {
    let candidate = m[0];
    // a sentence's final `.` is not part of the address
    if (candidate.endsWith('.')) candidate = candidate.slice(0, -1);
    if (isIpv6(candidate)) out.push({ start: m.index, end: m.index + candidate.length, type: 'ip' });
  }
}
