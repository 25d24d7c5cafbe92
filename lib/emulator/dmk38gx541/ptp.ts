/**
 * PTP (manual 5.12) among emulated cameras. Every emulated camera in this process is on the same
 * (loopback) network, so they form one PTP domain: the enabled clock with the smallest identity
 * (derived from the MAC address) is Master, the others are Slave. A clock is Uncalibrated for a
 * settling time after PTP is enabled and whenever its role changes (a better master joins or the
 * master leaves) — like a real best-master-clock election and servo lock, only faster.
 *
 * Time itself needs no correction: every emulated device counts Unix-epoch nanoseconds from the
 * same process clock (`device/clock.ts`), i.e. they are perfectly synchronised once calibrated.
 */
import { PtpState } from './features-sync';

type Role = 'master' | 'slave';

const domain = new Set<PtpClock>();

function electMaster(): PtpClock | null {
  let best: PtpClock | null = null;
  for (const clock of domain) if (clock.enabled && (!best || clock.clockId < best.clockId)) best = clock;
  return best;
}

function reelect(): void {
  const master = electMaster();
  for (const clock of domain) if (clock.enabled) clock.assume(clock === master ? 'master' : 'slave');
}

export class PtpClock {
  enabled = false;
  private role: Role | null = null;
  private settledAt = 0;
  changes = 0;

  constructor(readonly clockId: bigint, private readonly settlingMs: number, private readonly nowMs: () => number = () => performance.now()) {
    domain.add(this);
  }

  setEnabled(enabled: boolean): void {
    if (enabled === this.enabled) return;
    this.enabled = enabled;
    this.role = null;
    reelect();
  }

  /** Called by the election: a new role starts a settling period. */
  assume(role: Role): void {
    if (role === this.role) return;
    this.role = role;
    this.settledAt = this.nowMs() + this.settlingMs;
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

  close(): void {
    domain.delete(this);
    if (this.enabled) reelect();
  }
}
