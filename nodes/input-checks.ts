/**
 * Checks of what a message (or an imported flow) asks of a node: the right type, a known name, a
 * value in range — each refused with a GigeError that names the property, quotes what came (clipped)
 * and says what is allowed, in the runtime's language (keys `input.*` of every capability node's
 * catalog). Nothing is silently rounded, clamped or replaced by a default.
 */
import { GigeError, quoteInput } from '../lib/errors';
import type { Translate } from './i18n';

export interface NumberRule {
  min: number;
  max: number;
  integer?: boolean;
  unit?: string;
}

/** A number (or a numeric string) within the rule; WRONG_TYPE / OUT_OF_RANGE otherwise. */
export function checkNumber(t: Translate, value: unknown, what: string, rule: NumberRule): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || Number.isNaN(n)) {
    throw new GigeError('WRONG_TYPE', t('input.notNumber', { what, value: quoteInput(value) }), { what, value: quoteInput(value) });
  }
  if (!Number.isFinite(n) || n < rule.min || n > rule.max || (rule.integer && !Number.isInteger(n))) {
    const range = `${rule.min} … ${rule.max}${rule.unit ? ` ${rule.unit}` : ''}`;
    // A number typed in a text field reads as the number it is; anything else quoted, clipped.
    const shown = typeof value === 'string' && value.trim().length <= 40 ? value.trim() : quoteInput(value);
    throw new GigeError('OUT_OF_RANGE', t(rule.integer ? 'input.rangeInteger' : 'input.range', { what, value: shown, range }), {
      what,
      min: rule.min,
      max: rule.max,
    });
  }
  return n;
}

/** One of `allowed` (exactly as the camera names it); UNKNOWN_NAME otherwise. */
export function checkChoice<T extends string>(t: Translate, value: unknown, what: string, allowed: readonly T[]): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new GigeError(
    typeof value === 'string' ? 'UNKNOWN_NAME' : 'WRONG_TYPE',
    t('input.choice', { what, value: quoteInput(value), allowed: allowed.join(', ') }),
    { what, allowed: [...allowed] },
  );
}

/** true/false (also "true"/"false", "on"/"off"); WRONG_TYPE otherwise. */
export function checkBoolean(t: Translate, value: unknown, what: string): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const text = value.trim().toLowerCase();
    if (text === 'true' || text === 'on') return true;
    if (text === 'false' || text === 'off') return false;
  }
  throw new GigeError('WRONG_TYPE', t('input.notBoolean', { what, value: quoteInput(value) }), { what });
}

/** A plain object whose keys are all in `allowed`; UNKNOWN_NAME for the first that is not. */
export function checkKeys(t: Translate, value: unknown, what: string, allowed: readonly string[]): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || Buffer.isBuffer(value)) {
    throw new GigeError('WRONG_TYPE', t('input.notObject', { what, value: quoteInput(value), allowed: allowed.join(', ') }), { what });
  }
  const unknown = Object.keys(value).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) {
    throw new GigeError('UNKNOWN_NAME', t('input.unknownKey', { what, key: quoteInput(unknown[0]), allowed: allowed.join(', ') }), {
      what,
      unknown: unknown.slice(0, 10).map((key) => quoteInput(key)),
      allowed: [...allowed],
    });
  }
  return value as Record<string, unknown>;
}

/** A blank editor field (the node then leaves the camera's value alone). */
export function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}
