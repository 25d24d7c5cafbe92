import { GigeError, GigeErrorCode } from '../errors';
import { commandName, describeStatus, statusName } from './protocol';

/**
 * Stable error codes of the GVCP layer (`GigeError.code`):
 * - `GVCP_STATUS`    the device answered with an error status (`status`, `statusName` say which)
 * - `GVCP_TIMEOUT`   no acknowledge after every retry, or PENDING_ACKs beyond the granted time
 * - `GVCP_BUSY`      too many commands already waiting on the channel
 * - `GVCP_MALFORMED` a packet that does not parse (too short, wrong key, lengths disagree, …)
 * - `GVCP_CLOSED`    the channel or device was closed while the command was outstanding
 * - `GVCP_ARGUMENT`  the caller asked for something the protocol cannot carry (alignment, size, range)
 * - `GVCP_LOST`      the device stopped answering heartbeats, or control was taken away
 */
export class GvcpError extends GigeError {
  readonly status: number | undefined;
  readonly statusName: string | undefined;

  constructor(code: GigeErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(code, message, details, options);
    this.name = 'GvcpError';
    const status = typeof details.status === 'number' ? details.status : undefined;
    this.status = status;
    this.statusName = status === undefined ? undefined : statusName(status);
  }

  /** An error ack: says which command on which device failed and what the status means. */
  static fromStatus(status: number, command: number, device: string, what?: string): GvcpError {
    const target = what ? `${commandName(command)} ${what}` : commandName(command);
    return new GvcpError('GVCP_STATUS', `${device}: ${target} failed: ${describeStatus(status)}`, {
      status,
      command: commandName(command),
      device,
    });
  }
}

export function malformed(message: string, details: Record<string, unknown> = {}): GvcpError {
  return new GvcpError('GVCP_MALFORMED', message, details);
}

export function badArgument(message: string, details: Record<string, unknown> = {}): GvcpError {
  return new GvcpError('GVCP_ARGUMENT', message, details);
}

/** Refuses a UDP port that a socket cannot send to, before any socket exists (nothing to leak). */
export function checkPort(port: number | undefined, what: string): void {
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 0xffff)) {
    throw badArgument(`${what} ${port} is not a UDP port; use 1…65535`, { [what]: port });
  }
}
