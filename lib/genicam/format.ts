import { FeatureDescription } from './features';
import { FeatureValue } from './feature-access';

/**
 * Helpers for showing features as text or JSON (the `gige features/get` CLI uses these so it stays
 * thin). JSON cannot hold a bigint or a Buffer: `toJsonSafe` turns bigints into decimal strings and
 * Buffers into hex strings.
 */
export function toJsonSafe<T>(value: T): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (Buffer.isBuffer(value)) return value.toString('hex');
  if (Array.isArray(value)) return value.map(toJsonSafe);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) if (inner !== undefined) out[key] = toJsonSafe(inner);
    return out;
  }
  return value;
}

/** A value as a user would type it back: numbers plainly, Buffers as 0x-hex, strings as is. */
export function formatValue(value: FeatureValue | undefined): string {
  if (value === undefined) return '';
  if (Buffer.isBuffer(value)) return `0x${value.toString('hex')}`;
  return String(value);
}

/** `608…4504 step 8 px`, or the entry list `Mono8 | Mono16 (Mono12Packed unavailable)`. */
export function formatRange(feature: FeatureDescription): string {
  if (feature.entries) {
    const available = feature.entries.filter((entry) => entry.available).map((entry) => entry.name);
    const unavailable = feature.entries.filter((entry) => !entry.available).map((entry) => entry.name);
    return available.join(' | ') + (unavailable.length ? ` (unavailable: ${unavailable.join(', ')})` : '');
  }
  const parts: string[] = [];
  if (feature.min !== undefined || feature.max !== undefined) parts.push(`${feature.min ?? ''}…${feature.max ?? ''}`);
  if (feature.inc !== undefined && feature.inc !== 1) parts.push(`step ${feature.inc}`);
  if (feature.length !== undefined) parts.push(`${feature.length} bytes`);
  if (feature.unit) parts.push(feature.unit);
  return parts.join(' ');
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 12)}…${text.slice(-10)}`;
}

/** One aligned line per feature: name, type, access, value, range/entries (errors in place of values). */
export function formatFeatureTable(features: FeatureDescription[]): string {
  const rows = features.map((feature) => [
    feature.name,
    feature.type,
    feature.access,
    feature.error ? `! ${feature.error}` : shorten(formatValue(feature.value), 40),
    formatRange(feature),
  ]);
  const header = ['NAME', 'TYPE', 'ACCESS', 'VALUE', 'RANGE / ENTRIES'];
  const widths = header.map((title, column) => Math.min(48, Math.max(title.length, ...rows.map((row) => row[column].length))));
  const line = (row: string[]): string =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column])))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** Splits `Name=Value` (the CLI's `gige set` argument); the value stays a string for `setValue`. */
export function parseAssignment(text: string): { name: string; value: string } {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new Error(`"${text}" is not NAME=VALUE`);
  return { name: text.slice(0, eq).trim(), value: text.slice(eq + 1).trim() };
}
