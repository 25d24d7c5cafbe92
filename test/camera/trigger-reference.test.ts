import * as assert from 'node:assert/strict';
import { FrameWaiters } from '../../lib/camera/frame-waiters';
import { TriggerReference } from '../../lib/camera/trigger-reference';
import { WritePrefix, type PrefixOutcome } from '../../lib/gvcp/write-prefix';

/** A frame with a hold count, as CameraFrame's share()/release() keep one. */
class HeldFrame {
  holds = 1;
  constructor(readonly timestamp: bigint) {}
  share(): HeldFrame {
    this.holds += 1;
    return this;
  }
  release(): void {
    this.holds -= 1;
  }
}

function latchOutcome(outcome: PrefixOutcome): { outcome: Promise<PrefixOutcome>; cancel(): void } {
  return { outcome: Promise.resolve(outcome), cancel: () => undefined };
}

describe('camera: which frame is a software trigger’s (latched clock read after the trigger)', function () {
  const waitersFor = () =>
    new FrameWaiters<HeldFrame>(
      (frame) => frame.share(),
      (held) => held.release(),
    );

  it('frames that arrive before the latched time is known wait for it: the first one stamped at or after it is taken', async () => {
    let readLatched!: (value: bigint) => void;
    const reference = new TriggerReference(latchOutcome('sent'), () => new Promise<bigint>((resolve) => (readLatched = resolve)));
    const waiters = waitersFor();
    const next = waiters.wait(
      5000,
      () => 'timed out',
      (frame) => reference.accepts(frame),
    );
    const resolving = reference.resolve(() => false);
    // An earlier trigger's frame, then the trigger's own, both before the latched time is read.
    const earlier = new HeldFrame(90n);
    const own = new HeldFrame(120n);
    waiters.deliver(earlier);
    waiters.deliver(own);
    assert.equal(earlier.holds, 2, 'held while undecided');
    await new Promise((resolve) => setImmediate(resolve));
    readLatched(100n);
    await resolving;
    assert.equal(await next, own);
    assert.equal(earlier.holds, 1, 'the earlier frame was let go');
    assert.equal(own.holds, 2, 'the waiter has its own hold');
    assert.equal(reference.skipped, 1);
    // Known now: later frames are decided at once.
    assert.equal(reference.accepts(new HeldFrame(99n)), false);
    assert.equal(reference.accepts(new HeldFrame(100n)), true);
  });

  it('a latch the camera refused, or a trigger without a clock, takes the next frame as is', async () => {
    for (const reference of [
      new TriggerReference(latchOutcome('refused'), () => Promise.reject(new Error('not read'))),
      new TriggerReference(null, () => Promise.reject(new Error('not read'))),
    ]) {
      await reference.resolve(() => false);
      assert.equal(reference.accepts(new HeldFrame(1n)), true);
    }
  });

  it('a failed read of the latched time takes frames as they come, unless the camera is gone: then it fails', async () => {
    const failing = () => Promise.reject(new Error('READREG timed out'));
    const stillThere = new TriggerReference(latchOutcome('sent'), failing);
    await stillThere.resolve(() => false);
    assert.equal(stillThere.accepts(new HeldFrame(0n)), true);
    const gone = new TriggerReference(latchOutcome('sent'), failing);
    await assert.rejects(
      gone.resolve(() => true),
      /READREG timed out/,
    );
  });

  it('a trigger that never went out settles every frame waiting for its latched time', async () => {
    const prefix = new WritePrefix();
    const reference = new TriggerReference(prefix.set([{ address: 0x944, value: 2 }]), () => Promise.resolve(5n));
    const verdict = reference.accepts(new HeldFrame(1n));
    reference.cancel();
    assert.equal(await verdict, true);
  });
});
