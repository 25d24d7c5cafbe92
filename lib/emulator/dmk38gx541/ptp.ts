/**
 * PTP (manual 5.12) of an emulated camera. Time itself comes from the host: every emulated device
 * counts the host's wall clock (`device/clock.ts`), in any process or network namespace, so the
 * host is the grandmaster they all follow. What a camera adds is its servo error — how far its
 * clock sits from the grandmaster once locked — and its port state:
 *
 *   grandmaster 'host' (default): the host's clock is a better clock than any camera's, so every
 *     camera is Slave once locked, after a lock delay (`lockMs`) spent Uncalibrated. Emulators in
 *     different processes agree, as cameras on one PTP network with a grandmaster do.
 *   grandmaster 'cameras': no grandmaster on the network; the emulated cameras of this process
 *     elect one (smallest clock identity, from the MAC) as Master, the others are Slave, and a role
 *     change starts another lock delay — a best-master-clock election, only faster.
 *
 * Servo error (the offset model, docs/emulator.md "Time"): while PTP is enabled a camera's clock
 * reads host time + offsetNs + jitterNs × s(t), where s(t) moves linearly between seeded values in
 * [−1, 1] drawn once per one-second sync interval (the seed is the clock identity, so each camera
 * has its own, repeatable wander). The clock stays continuous and monotonic (the slope is at most
 * 2 × jitterNs per second).
 */
import { PtpState } from './features-sync';

type Role = 'master' | 'slave';
export type PtpGrandmaster = 'host' | 'cameras';

export interface PtpOptions {
  grandmaster?: PtpGrandmaster;
  /** Uncalibrated time after enabling (and after a role change in 'cameras' mode), ms. */
  lockMs: number;
  /** Constant part of the servo error, ns (|offset| ≤ 1 s). */
  offsetNs?: number;
  /** Amplitude of the wandering part, ns (0 … 1 s). */
  jitterNs?: number;
}

const SYNC_INTERVAL_NS = 1_000_000_000n;
const MAX_ERROR_NS = 1_000_000_000;

const domain = new Set<PtpClock>();

function electMaster(): PtpClock | null {
  let best: PtpClock | null = null;
  for (const clock of domain) if (clock.enabled && clock.grandmaster === 'cameras' && (!best || clock.clockId < best.clockId)) best = clock;
  return best;
}

function reelect(): void {
  const master = electMaster();
  for (const clock of domain) if (clock.enabled) clock.assume(clock.grandmaster === 'host' || clock !== master ? 'slave' : 'master');
}

/** A repeatable value in [−1, 1] for sync interval `k` of clock `seed` (splitmix64). */
function wander(seed: bigint, k: bigint): number {
  let z = (seed ^ (k * 0x9e3779b97f4a7c15n)) & 0xffffffffffffffffn;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & 0xffffffffffffffffn;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & 0xffffffffffffffffn;
  z ^= z >> 31n;
  return Number(z >> 11n) / 2 ** 52 - 1;
}

export class PtpClock {
  enabled = false;
  readonly grandmaster: PtpGrandmaster;
  private role: Role | null = null;
  private settledAt = 0;
  private readonly lockMs: number;
  private readonly offsetNs: number;
  private readonly jitterNs: number;
  changes = 0;

  constructor(
    readonly clockId: bigint,
    options: PtpOptions,
    private readonly nowMs: () => number = () => performance.now(),
  ) {
    this.grandmaster = options.grandmaster ?? 'host';
    this.lockMs = options.lockMs;
    this.offsetNs = options.offsetNs ?? 0;
    this.jitterNs = options.jitterNs ?? 0;
    if (this.grandmaster !== 'host' && this.grandmaster !== 'cameras')
      throw new RangeError(`PTP grandmaster "${String(this.grandmaster)}" is unknown; allowed 'host', 'cameras'`);
    for (const [name, v, min] of [
      ['offset', this.offsetNs, -MAX_ERROR_NS],
      ['jitter', this.jitterNs, 0],
    ] as const) {
      if (!Number.isInteger(v) || v < min || v > MAX_ERROR_NS)
        throw new RangeError(`PTP ${name} ${v} ns is out of range; allowed ${min} … ${MAX_ERROR_NS} ns`);
    }
    domain.add(this);
  }

  setEnabled(enabled: boolean): void {
    if (enabled === this.enabled) return;
    this.enabled = enabled;
    this.role = null;
    reelect();
  }

  /** Called by the election: a new role starts a lock delay. */
  assume(role: Role): void {
    if (role === this.role) return;
    this.role = role;
    this.settledAt = this.nowMs() + this.lockMs;
    this.changes += 1;
  }

  status(): number {
    if (!this.enabled || !this.role) return PtpState.Disabled;
    if (this.nowMs() < this.settledAt) return PtpState.Uncalibrated;
    return this.role === 'master' ? PtpState.Master : PtpState.Slave;
  }

  /** Synchronised to a time reference (Master or Slave): scheduled actions are possible. */
  synchronized(): boolean {
    const s = this.status();
    return s === PtpState.Master || s === PtpState.Slave;
  }

  /** This camera's clock minus the grandmaster's at host instant `time` (ns); 0 while PTP is off. */
  errorAt(time: bigint): bigint {
    if (!this.enabled || (this.offsetNs === 0 && this.jitterNs === 0)) return 0n;
    if (this.jitterNs === 0) return BigInt(this.offsetNs);
    const k = time / SYNC_INTERVAL_NS;
    const frac = Number(time % SYNC_INTERVAL_NS) / 1e9;
    const s = wander(this.clockId, k) * (1 - frac) + wander(this.clockId, k + 1n) * frac;
    return BigInt(this.offsetNs + Math.round(this.jitterNs * s));
  }

  close(): void {
    domain.delete(this);
    if (this.enabled) reelect();
  }
}
