/**
 * Control channel privilege (CCP, 0x0A00) and the heartbeat, device side.
 *
 * The primary application is identified by IP + UDP source port. Any valid command from it
 * re-arms the heartbeat timer; the timer runs on its own, so control expires on time even when no
 * packet ever arrives again (Aravis' fake camera only notices on the next packet). Expiry and
 * release both call `onRelease`, which tears the channels down.
 */
import { Ccp, GvcpStatus, HEARTBEAT_TIMEOUT_DEFAULT_MS, HEARTBEAT_TIMEOUT_MIN_MS } from '../../gvcp/protocol';

export interface Endpoint {
  address: string;
  port: number;
}

/**
 * setTimeout's longest delay. Node runs a longer one after 1 ms, so a register value of 2^31 ms
 * or more (the registers are 32-bit) would end control at once; waits are clamped to this (24.8
 * days, which no session outlives anyway).
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export type ReleaseReason = 'released' | 'heartbeat' | 'switchover';

export function sameEndpoint(a: Endpoint | null, b: Endpoint): boolean {
  return a !== null && a.address === b.address && a.port === b.port;
}

export interface PrivilegeOptions {
  /** Writes (other than CCP) from anyone while nobody holds control: false (default) answers ACCESS_DENIED. */
  openAccessWrites?: boolean;
  heartbeatTimeoutMs?: number;
  /** Called after control ends (release, expiry) so channels can be closed. */
  onRelease: (reason: ReleaseReason, previous: Endpoint) => void;
  /** Called when a switchover hands control to another application. */
  onSwitchover?: (previous: Endpoint, next: Endpoint) => void;
}

export class Privilege {
  private ccpBits = 0;
  private primaryEndpoint: Endpoint | null = null;
  private switchoverKey: number | null = null;
  private timeoutMs: number;
  private heartbeatDisabled = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly openAccessWrites: boolean;
  /** Times control expired through the heartbeat (diagnostics). */
  expiries = 0;

  constructor(private readonly options: PrivilegeOptions) {
    this.timeoutMs = Math.max(HEARTBEAT_TIMEOUT_MIN_MS, options.heartbeatTimeoutMs ?? HEARTBEAT_TIMEOUT_DEFAULT_MS);
    this.openAccessWrites = options.openAccessWrites ?? false;
  }

  get ccp(): number {
    return this.ccpBits;
  }

  get primary(): Endpoint | null {
    return this.primaryEndpoint;
  }

  get heartbeatTimeoutMs(): number {
    return this.timeoutMs;
  }

  isPrimary(from: Endpoint): boolean {
    return sameEndpoint(this.primaryEndpoint, from);
  }

  controlled(): boolean {
    return this.primaryEndpoint !== null;
  }

  /** A valid command from the primary keeps control alive. */
  touch(from: Endpoint): void {
    if (this.isPrimary(from)) this.arm();
  }

  /** 0 when `from` may read; ACCESS_DENIED when another application holds exclusive access. */
  readStatus(from: Endpoint): number {
    if (this.ccpBits & Ccp.EXCLUSIVE && !this.isPrimary(from)) return GvcpStatus.ACCESS_DENIED;
    return GvcpStatus.SUCCESS;
  }

  /** 0 when `from` may write ordinary registers. */
  writeStatus(from: Endpoint): number {
    if (this.isPrimary(from)) return GvcpStatus.SUCCESS;
    if (!this.primaryEndpoint && this.openAccessWrites) return GvcpStatus.SUCCESS;
    return GvcpStatus.ACCESS_DENIED;
  }

  /** CCP read value: the privilege bits (the switchover key is write-only). */
  read(): number {
    return this.ccpBits;
  }

  /** Handle a CCP write; returns a GVCP status. */
  write(from: Endpoint, value: number): number {
    const bits = value & (Ccp.EXCLUSIVE | Ccp.CONTROL | Ccp.SWITCHOVER_ENABLE);
    const wantsControl = (bits & (Ccp.EXCLUSIVE | Ccp.CONTROL)) !== 0;
    const key = value >>> 16;
    if (!this.primaryEndpoint) {
      if (!wantsControl) {
        this.ccpBits = 0;
        return GvcpStatus.SUCCESS;
      }
      this.primaryEndpoint = { ...from };
      this.ccpBits = normalise(bits);
      this.arm();
      return GvcpStatus.SUCCESS;
    }
    if (this.isPrimary(from)) {
      if (!wantsControl) {
        this.release('released');
        return GvcpStatus.SUCCESS;
      }
      this.ccpBits = normalise(bits);
      this.arm();
      return GvcpStatus.SUCCESS;
    }
    if (wantsControl && this.ccpBits & Ccp.SWITCHOVER_ENABLE && this.switchoverKey !== null && key === this.switchoverKey) {
      const previous = this.primaryEndpoint;
      this.primaryEndpoint = { ...from };
      this.ccpBits = normalise(bits & ~Ccp.SWITCHOVER_ENABLE);
      this.switchoverKey = null;
      this.arm();
      this.options.onSwitchover?.(previous, from);
      return GvcpStatus.SUCCESS;
    }
    return GvcpStatus.ACCESS_DENIED;
  }

  /** Control switchover key register (0x095C, write-only): only the primary may set it. */
  writeSwitchoverKey(from: Endpoint, value: number): number {
    if (!this.isPrimary(from)) return GvcpStatus.ACCESS_DENIED;
    this.switchoverKey = value & 0xffff;
    return GvcpStatus.SUCCESS;
  }

  setHeartbeatTimeout(ms: number): void {
    this.timeoutMs = Math.max(HEARTBEAT_TIMEOUT_MIN_MS, ms >>> 0);
    if (this.primaryEndpoint) this.arm();
  }

  setHeartbeatDisabled(disabled: boolean): void {
    this.heartbeatDisabled = disabled;
    if (this.primaryEndpoint) this.arm();
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.heartbeatDisabled || !this.primaryEndpoint) return;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.expiries += 1;
        this.release('heartbeat');
      },
      Math.min(this.timeoutMs, MAX_TIMER_MS),
    );
  }

  private release(reason: ReleaseReason): void {
    const previous = this.primaryEndpoint;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.primaryEndpoint = null;
    this.ccpBits = 0;
    this.switchoverKey = null;
    if (previous) this.options.onRelease(reason, previous);
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

/** Exclusive wins when both access bits are written. */
function normalise(bits: number): number {
  const access = bits & Ccp.EXCLUSIVE ? Ccp.EXCLUSIVE : Ccp.CONTROL;
  return access | (bits & Ccp.SWITCHOVER_ENABLE);
}
