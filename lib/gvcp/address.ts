import { badArgument } from './errors';
import { quoteInput } from '../errors';

/** IPv4 dotted quad ↔ unsigned 32-bit number, and MAC address helpers. */

export function ipToNumber(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    throw badArgument(`${quoteInput(ip)} is not an IPv4 address; expected four numbers 0…255 like 127.0.0.2`, { ip: quoteInput(ip) });
  }
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0) >>> 0;
}

export function numberToIp(value: number): string {
  const v = value >>> 0;
  return `${v >>> 24}.${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}.${v & 0xff}`;
}

export function isIpv4(ip: string): boolean {
  return /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(ip) && ip.split('.').every((p) => Number(p) <= 255);
}

export function macToString(mac: Buffer): string {
  return [...mac.subarray(0, 6)].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

export function macFromString(mac: string): Buffer {
  const parts = mac.split(/[:-]/);
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p))) {
    throw badArgument(`${quoteInput(mac)} is not a MAC address; expected six hex bytes like 00:07:48:12:34:56`, { mac: quoteInput(mac) });
  }
  return Buffer.from(parts.map((p) => parseInt(p, 16)));
}

/** Prefix length of a contiguous netmask (255.255.255.0 → 24), or -1 when not contiguous. */
export function prefixLength(mask: number): number {
  const m = mask >>> 0;
  let n = 0;
  while (n < 32 && (m & (0x80000000 >>> n)) !== 0) n += 1;
  return (n === 32 ? 0xffffffff : ~(0xffffffff >>> n)) >>> 0 === m ? n : -1;
}

export function sameSubnet(a: string, b: string, mask: string | number): boolean {
  const m = typeof mask === 'number' ? mask >>> 0 : ipToNumber(mask);
  return (ipToNumber(a) & m) >>> 0 === (ipToNumber(b) & m) >>> 0;
}
