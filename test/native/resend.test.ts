import { strict as assert } from 'node:assert';

import type { GvspBlock } from '../../lib/stream/native';
import { PixelFormat } from '../../lib/stream/pixel-formats';
import { openStreamPair, sceneBlock, type StreamPair } from './support/stream-pair';

const SENSOR = { width: 4504, height: 4504, pixelFormat: PixelFormat.Mono8 };
const GIGABIT = 125_000_000;
const PERIOD_MS = 200; // 5 fps

/** Sends `count` scene blocks at a fixed frame period; returns when each block's last packet left. */
async function streamAtRate(
  pair: StreamPair,
  count: number,
  params = SENSOR,
  ids: bigint[] = Array.from({ length: count }, (_, i) => BigInt(i + 1)),
  periodMs = PERIOD_MS,
): Promise<{ blocks: GvspBlock[]; sentAt: number[] }> {
  const blocks: GvspBlock[] = [];
  const sentAt: number[] = [];
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const wait = start + i * periodMs - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const block = sceneBlock(ids[i], params);
    blocks.push(block);
    await pair.sender.sendBlock(block);
    sentAt.push(performance.now());
  }
  return { blocks, sentAt };
}

describe('native resend and fault handling over loopback', function () {
  this.timeout(20000);
  let pair: StreamPair | undefined;
  afterEach(async () => {
    await pair?.close();
    pair = undefined;
  });

  it('4504×4504 Mono8, 5 fps, packet 1500, 1 % seeded loss: every frame completes through resend', async () => {
    // The resend answers pass through a forwarder on this process's event loop: on a loaded machine
    // they can take longer than the default 100 ms of silence after which a frame is given up.
    pair = await openStreamPair(
      { packetSize: 1500, maxPayloadSize: 4504 * 4504, frameTimeoutMs: 3000, resend: { retryIntervalUs: 50_000 } },
      { bandwidthBytesPerSecond: GIGABIT, faults: { seed: 7, lossRate: 0.01 } },
    );
    const { blocks } = await streamAtRate(pair, 4);
    const frames = await pair.waitFrames(4);
    for (const [i, frame] of frames.entries()) {
      assert.equal(frame.status, 'complete', `frame ${i + 1}: ${JSON.stringify(frame.packets)}`);
      assert.ok(frame.data.equals(blocks[i].data), `frame ${i + 1} bytes`);
      assert.ok(frame.packets.resent > 0, 'some packets came through resend');
    }
    const sent = pair.sender.stats();
    const got = pair.stream.stats();
    assert.ok(sent.packetsDroppedByFaults > 4 * 13859 * 0.005, `loss was injected (${sent.packetsDroppedByFaults})`);
    assert.ok(got.resendRequests > 0 && got.packetsResent >= sent.packetsDroppedByFaults - sent.resendPacketsSent * 0.05);
    assert.equal(got.framesIncomplete, 0);
    assert.equal(pair.forwarder.malformed, 0);
    assert.ok(pair.forwarder.commands.every((c) => !c.extended && c.streamChannel === 0 && c.first <= c.last));
  });

  it('a camera that ignores resends: frames are flagged incomplete and never held longer than one frame period', async () => {
    pair = await openStreamPair(
      { packetSize: 1500, maxPayloadSize: 4504 * 4504 },
      { bandwidthBytesPerSecond: GIGABIT, faults: { seed: 11, lossRate: 0.01 }, resendMode: 'ignore' },
    );
    const { sentAt } = await streamAtRate(pair, 5);
    const frames = await pair.waitFrames(5);
    for (const [i, frame] of frames.entries()) {
      assert.equal(frame.status, 'incomplete');
      assert.ok(frame.packets.missing > 0 && frame.packets.received + frame.packets.missing === frame.packets.expected);
      const heldMs = pair.deliveredAt[i] - sentAt[i];
      // Generous for a loaded machine; waiting on unanswered resends would hold a frame for seconds.
      assert.ok(heldMs < 3 * PERIOD_MS, `frame ${i + 1} delivered ${heldMs.toFixed(1)} ms after its last packet left`);
    }
    for (let i = 1; i < frames.length; i++) {
      const gap = pair.deliveredAt[i] - pair.deliveredAt[i - 1];
      assert.ok(gap < 4 * PERIOD_MS, `delivery gap ${gap.toFixed(1)} ms`);
    }
    const stats = pair.stream.stats();
    assert.equal(stats.resendIgnoredDetected, true);
    assert.ok(pair.warnings.some((w) => /did not answer packet resend requests/.test(w)));
    // Missing packets read as zeros, never as stale bytes of an earlier frame.
    const last = frames[4];
    assert.ok(last.data.length === 4504 * 4504);
  });

  it('reordered and duplicated packets: frames are byte-exact and duplicates are counted', async () => {
    const params = { width: 1024, height: 1024, pixelFormat: PixelFormat.Mono8 };
    pair = await openStreamPair({ packetSize: 1500, maxPayloadSize: 1024 * 1024 }, { faults: { seed: 3, reorderRate: 0.05, duplicateRate: 0.05 } });
    const blocks = [1n, 2n, 3n].map((id) => sceneBlock(id, params));
    for (const block of blocks) await pair.sender.sendBlock(block);
    const frames = await pair.waitFrames(3);
    frames.forEach((frame, i) => {
      assert.equal(frame.status, 'complete');
      assert.ok(frame.data.equals(blocks[i].data), `frame ${i + 1}`);
    });
    const sent = pair.sender.stats();
    assert.ok(sent.packetsReorderedByFaults > 10 && sent.packetsDuplicatedByFaults > 10);
    // A duplicate of a frame's last packet arrives after the frame is finished: it counts as late.
    const got = pair.stream.stats();
    assert.equal(got.packetsDuplicate + got.packetsLate, sent.packetsDuplicatedByFaults);
  });

  it('burst loss with extended IDs: extended PACKETRESEND commands complete every frame', async () => {
    const params = { width: 2048, height: 1024, pixelFormat: PixelFormat.Mono8 };
    pair = await openStreamPair({ packetSize: 9000, maxPayloadSize: 2048 * 1024, extendedIds: true }, { faults: { seed: 5, burstLossRate: 0.02, burstLength: 5 } });
    const ids = [0x1_0000_0001n, 0x1_0000_0002n, 0x1_0000_0003n];
    const { blocks } = await streamAtRate(pair, 3, params, ids, 50);
    const frames = await pair.waitFrames(3);
    frames.forEach((frame, i) => {
      assert.equal(frame.status, 'complete', JSON.stringify(frame.packets));
      assert.ok(frame.data.equals(blocks[i].data));
    });
    assert.ok(pair.forwarder.commands.length > 0);
    assert.ok(pair.forwarder.commands.every((c) => c.extended && c.blockId >= 0x1_0000_0001n));
    assert.ok(pair.forwarder.commands.some((c) => c.last > c.first), 'a burst is asked for as one range');
  });

  it('PACKET_UNAVAILABLE answers end the wait for that frame at once', async () => {
    const params = { width: 1024, height: 1024, pixelFormat: PixelFormat.Mono8 };
    pair = await openStreamPair({ packetSize: 1500, maxPayloadSize: 1024 * 1024 }, { faults: { seed: 9, lossRate: 0.01 }, resendMode: 'unavailable' });
    const start = performance.now();
    await pair.sender.sendBlock(sceneBlock(1n, params));
    const [frame] = await pair.waitFrames(1);
    assert.equal(frame.status, 'incomplete');
    assert.ok(performance.now() - start < 60, `finished after ${(performance.now() - start).toFixed(1)} ms`);
    assert.ok(pair.stream.stats().packetsUnavailable > 0);
    assert.equal(pair.stream.stats().resendIgnoredDetected, false, 'an answer, even a refusal, is not ignoring');
  });

  it('with resend off, or incomplete frames dropped, nothing is asked and the drops are counted', async () => {
    const params = { width: 512, height: 512, pixelFormat: PixelFormat.Mono8 };
    pair = await openStreamPair(
      { packetSize: 1500, maxPayloadSize: 512 * 512, resend: false, incompleteFrames: 'drop' },
      { faults: { seed: 1, lossRate: 0.05 } },
    );
    for (const id of [1n, 2n, 3n]) await pair.sender.sendBlock(sceneBlock(id, params));
    await new Promise((r) => setTimeout(r, 100));
    const stats = pair.stream.stats();
    assert.equal(pair.frames.length, 0);
    assert.equal(stats.framesDroppedIncomplete, 3);
    assert.equal(stats.resendRequests, 0);
    assert.equal(pair.forwarder.commands.length, 0);
  });
});
