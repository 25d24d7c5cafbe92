/**
 * The one error type every layer throws. `code` is stable (for flows that branch on it, e.g.
 * `msg.error.code`); `message` says what was wrong and what is allowed; `details` carries the
 * values involved (feature name, attempted value, allowed range, GVCP status, ...).
 */
export class GigeError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown>;

  constructor(code: string, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GigeError';
    this.code = code;
    this.details = details;
  }
}

export function isGigeError(err: unknown, code?: string): err is GigeError {
  return err instanceof GigeError && (code === undefined || err.code === code);
}

/** How many characters of user input an error message quotes at most. */
export const MAX_QUOTED_INPUT = 100;

/**
 * User text as an error message shows it, unquoted: cut to `max` characters with the full length
 * said — a 10 MB feature name must not make a 10 MB error (log lines, Catch messages, the
 * editor's status).
 */
export function clipInput(text: string, max = MAX_QUOTED_INPUT): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

/**
 * User input as an error message quotes it: strings in double quotes (escaped like JSON), cut to
 * `max` characters like clipInput. Numbers and booleans appear as they are.
 */
export function quoteInput(value: unknown, max = MAX_QUOTED_INPUT): string {
  if (value === null || value === undefined || typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
    return String(value);
  }
  if (Buffer.isBuffer(value)) return `<Buffer of ${value.length} bytes>`;
  if (typeof value !== 'string') {
    let text: string;
    try {
      // undefined for a function or a symbol: name the kind, not a function's source text
      text = JSON.stringify(value) ?? `<${typeof value}>`;
    } catch {
      text = Object.prototype.toString.call(value);
    }
    return clipInput(text, max);
  }
  if (value.length <= max) return JSON.stringify(value);
  return `${JSON.stringify(value.slice(0, max)).slice(0, -1)}…" (${value.length} characters)`;
}
