/**
 * The timeline's guarantee: a callback never runs before the device clock reaches its time. Node's
 * timers measure delays from the event loop's cached time, which is stale by however long the
 * current turn has been busy, so a plain setTimeout fires early exactly when the process is loaded
 * (the emulator renders frames synchronously). Early means a frame leaves before its readout ends
 * and a trigger sent the moment it arrives is "missed".
 */
import { strict as assert } from 'node:assert';
import { Timeline } from '../../lib/emulator/dmk38gx541/timeline';

const clock = (): bigint => process.hrtime.bigint();

function busyFor(ms: number): void {
  const end = clock() + BigInt(Math.round(ms * 1e6));
  while (clock() < end) {
    /* the event loop is busy */
  }
}

interface Shot {
  target: bigint;
  ran: bigint;
}

/** Schedules `count` callbacks 0–`spreadMs` ahead, each after `busyMs` of synchronous work. */
async function schedule(timeline: Timeline, count: number, spreadMs: number, busyMs: () => number): Promise<Shot[]> {
  const shots: Shot[] = [];
  await new Promise<void>((resolve) => {
    let left = count;
    let scheduled = 0;
    const next = (): void => {
      busyFor(busyMs());
      const target = clock() + BigInt(Math.round(Math.random() * spreadMs * 1e6));
      const shot: Shot = { target, ran: 0n };
      shots.push(shot);
      timeline.at(target, () => {
        shot.ran = clock();
        left -= 1;
        if (left === 0) resolve();
      });
      scheduled += 1;
      if (scheduled < count) setImmediate(next);
    };
    next();
  });
  return shots;
}

function early(shots: Shot[]): string[] {
  return shots.filter((s) => s.ran < s.target).map((s) => `${(Number(s.target - s.ran) / 1e6).toFixed(3)} ms early`);
}

describe('emulator: timeline (device-time callbacks)', () => {
  it('never runs a callback before the device clock reaches its time, on a quiet event loop', async () => {
    const timeline = new Timeline(clock, (err) => {
      throw err;
    });
    const shots = await schedule(timeline, 150, 12, () => 0);
    assert.deepEqual(early(shots), []);
    assert.equal(timeline.pending, 0);
  });

  it('never runs a callback early while the event loop is busy (synchronous work before scheduling)', async () => {
    const timeline = new Timeline(clock, (err) => {
      throw err;
    });
    // 0–4 ms of synchronous work in the turn that schedules: Node then measures the delay from a
    // loop time that is that much in the past.
    const shots = await schedule(timeline, 150, 6, () => Math.random() * 4);
    assert.deepEqual(early(shots), []);
  });

  it('still runs callbacks promptly (within a few ms late on this machine)', async () => {
    const timeline = new Timeline(clock, (err) => {
      throw err;
    });
    const shots = await schedule(timeline, 40, 10, () => 0);
    const late = shots.map((s) => Number(s.ran - s.target) / 1e6).sort((a, b) => a - b);
    // A median, not a bound on every callback: the machine is shared.
    assert.ok(late[late.length >> 1] < 5, `median lateness ${late[late.length >> 1].toFixed(2)} ms`);
  });

  it('cancel() works across re-arming, and close() leaves nothing pending', async () => {
    let now = 0n;
    const timeline = new Timeline(
      () => now,
      (err) => {
        throw err;
      },
    );
    let ran = 0;
    // The fake clock stays behind the target, so Node's timer fires "early" and the timeline re-arms.
    const timer = timeline.at(5_000_000n, () => {
      ran += 1;
    });
    await new Promise((r) => setTimeout(r, 15));
    assert.equal(ran, 0, 'not run while the device clock is before its time');
    assert.equal(timeline.pending, 1);
    timeline.cancel(timer);
    assert.equal(timeline.pending, 0);
    now = 10_000_000n;
    await new Promise((r) => setTimeout(r, 15));
    assert.equal(ran, 0, 'a cancelled callback never runs');
    timeline.at(20_000_000n, () => {
      ran += 1;
    });
    timeline.close();
    assert.equal(timeline.pending, 0);
    assert.equal(
      timeline.at(0n, () => {
        ran += 1;
      }),
      null,
      'a closed timeline takes nothing',
    );
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(ran, 0);
  });

  it('runs a callback whose time has passed at once (asynchronously), and one whose clock was reset', async () => {
    let now = 1_000_000_000n;
    const timeline = new Timeline(
      () => now,
      (err) => {
        throw err;
      },
    );
    const order: string[] = [];
    timeline.at(now - 1n, () => order.push('past'));
    order.push('sync');
    // The device clock jumps backwards (GevTimestampControlReset): a callback scheduled in the old
    // time base must not wait for the new clock to catch up with it.
    timeline.at(now + 2_000_000n, () => order.push('after reset'));
    now = 0n;
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(order, ['sync', 'past', 'after reset']);
  });

  it('reports a throwing callback instead of throwing out of the timer', async () => {
    const errors: Error[] = [];
    const timeline = new Timeline(clock, (err) => errors.push(err));
    timeline.at(clock(), () => {
      throw new Error('boom');
    });
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(
      errors.map((e) => e.message),
      ['boom'],
    );
  });
});
