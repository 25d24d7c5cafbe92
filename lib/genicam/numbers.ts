import { GigeError, quoteInput } from '../errors';

/**
 * Integers inside the node map are `bigint` (exact for every 64-bit register). At the public API
 * they become a `number` when that is exact (|v| ≤ 2^53 − 1) and stay a `bigint` otherwise, so a
 * Node-RED user sees plain numbers for Width or Gain and nothing is ever silently rounded.
 */
export type PublicInteger = number | bigint;

export const INT64_MIN = -(1n << 63n);
export const INT64_MAX = (1n << 63n) - 1n;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export function toPublicInteger(value: bigint): PublicInteger {
  return value >= -MAX_SAFE && value <= MAX_SAFE ? Number(value) : value;
}

const INTEGER_TEXT = /^[+-]?(0[xX][0-9a-fA-F]+|[0-9]+)$/;

/** An integer as GenICam XML writes it: decimal or `0x` hex, optionally signed. */
export function parseXmlInteger(text: string): bigint | undefined {
  const trimmed = text.trim();
  if (!INTEGER_TEXT.test(trimmed)) return undefined;
  const negative = trimmed.startsWith('-');
  const digits = trimmed.replace(/^[+-]/, '');
  const magnitude = BigInt(digits);
  return negative ? -magnitude : magnitude;
}

const FLOAT_TEXT = /^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)$/;

export function parseXmlFloat(text: string): number | undefined {
  const trimmed = text.trim();
  if (FLOAT_TEXT.test(trimmed)) return Number(trimmed);
  const hex = parseXmlInteger(trimmed);
  if (hex !== undefined) return Number(hex);
  const lower = trimmed.toLowerCase();
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  return undefined;
}

/** `Hex_t` (ChunkID, EventID): bare hex digits; a `0x` prefix is tolerated. */
export function parseHexId(text: string): number | undefined {
  const digits = text.trim().replace(/^0[xX]/, '');
  if (!/^[0-9a-fA-F]{1,8}$/.test(digits)) return undefined;
  return parseInt(digits, 16);
}

/**
 * What a user may pass for an integer feature: a number that is an integer, a bigint, or a string
 * in decimal or 0x hex (what a CLI or a Node-RED text field produces).
 */
export function coerceUserInteger(feature: string, value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return BigInt(value);
    throw new GigeError(
      'INVALID_VALUE',
      `${feature}: ${value} is not an integer; allowed an integer (number, bigint or decimal/0x string)`,
      { feature, value },
    );
  }
  if (typeof value === 'boolean') return value ? 1n : 0n;
  if (typeof value === 'string') {
    const parsed = parseXmlInteger(value);
    if (parsed !== undefined) return parsed;
  }
  throw new GigeError(
    'INVALID_VALUE',
    `${feature}: ${describeUserValue(value)} is not an integer; allowed an integer (number, bigint or decimal/0x string)`,
    { feature, value: describeUserValue(value) },
  );
}

export function coerceUserFloat(feature: string, value: unknown): number {
  if (typeof value === 'number' && !Number.isNaN(value)) return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string') {
    const parsed = parseXmlFloat(value);
    if (parsed !== undefined) return parsed;
  }
  throw new GigeError('INVALID_VALUE', `${feature}: ${describeUserValue(value)} is not a number; allowed a number (or a numeric string)`, {
    feature,
    value: describeUserValue(value),
  });
}

export function describeUserValue(value: unknown): string {
  // Quoted and clipped: a 10 MB string must not make a 10 MB error.
  if (typeof value === 'string') return quoteInput(value);
  if (typeof value === 'bigint') return value.toString();
  if (Buffer.isBuffer(value)) return `<Buffer ${value.length} bytes>`;
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number' || typeof value === 'boolean' || value === undefined) return String(value);
  return `a ${typeof value}`; // a function or a symbol: its source text is no description
}

export function hex(value: number | bigint, width = 8): string {
  const text = value.toString(16).toUpperCase();
  return '0x' + text.padStart(width, '0');
}
