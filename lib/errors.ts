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
