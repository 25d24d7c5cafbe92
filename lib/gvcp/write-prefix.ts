/**
 * Register writes that ride in front of a device port's next write, in the same WRITEREG when that
 * write is one register: a device runs a WRITEREG's writes in order, in one exchange. A software
 * trigger uses it to latch the camera's clock with the trigger itself, instead of two round trips
 * (latch, then read) before it — each one a wait for the camera and, on a busy host, for a core.
 */
import type { RegisterWrite } from './codec';
import { isGigeError } from '../errors';

/**
 * What became of a prefix: sent with (or just before) the next write; refused by the device (the
 * write then went alone); or never sent (cancelled, or the write failed on the way).
 */
export type PrefixOutcome = 'sent' | 'refused' | 'unsent';

export interface PendingPrefix {
  /** Settles once the next write (or its failure, or `cancel`) decided. */
  readonly outcome: Promise<PrefixOutcome>;
  /** Withdraws the prefix if no write has taken it yet (its outcome is then 'unsent'). */
  cancel(): void;
}

interface Queued {
  writes: readonly RegisterWrite[];
  settle(outcome: PrefixOutcome): void;
}

export class WritePrefix {
  private queued: Queued | null = null;

  /** Queues `writes` for the next port write; a prefix queued before and not yet sent is dropped. */
  set(writes: readonly RegisterWrite[]): PendingPrefix {
    this.queued?.settle('unsent');
    // A promise settles once: later outcomes (a cancel after the write took it) change nothing.
    let settle!: (outcome: PrefixOutcome) => void;
    const outcome = new Promise<PrefixOutcome>((resolve) => {
      settle = resolve;
    });
    const entry: Queued = { writes, settle };
    this.queued = entry;
    return {
      outcome,
      cancel: () => {
        if (this.queued === entry) this.queued = null;
        settle('unsent');
      },
    };
  }

  /**
   * Makes one port write, with the queued prefix if there is one. `own` is the write as register
   * writes when it is exactly that (one aligned 4-byte register), else null: then the prefix goes
   * in a WRITEREG of its own just before, and `write` does the rest. A device that refuses the
   * combined WRITEREG with an error status gets the write again alone, so that a camera without
   * (say) a clock latch still triggers.
   */
  async write(
    own: RegisterWrite | null,
    sendRegisters: (writes: readonly RegisterWrite[]) => Promise<void>,
    write: () => Promise<void>,
  ): Promise<void> {
    const prefix = this.queued;
    this.queued = null;
    if (prefix) {
      try {
        await sendRegisters(own ? [...prefix.writes, own] : prefix.writes);
        prefix.settle('sent');
        if (own) return;
      } catch (err) {
        if (!isGigeError(err, 'GVCP_STATUS')) {
          prefix.settle('unsent');
          throw err;
        }
        prefix.settle('refused');
      }
    }
    await write();
  }
}
