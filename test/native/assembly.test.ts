import { strict as assert } from 'node:assert';

import { openStream, type Frame, type Stream, type StreamOptions } from '../../lib/stream/index';
import { PixelFormat } from '../../lib/stream/pixel-formats';
import { uniqueLoopbackAddress } from '../support/loopback';
import { ScriptedDevice, blockPackets, gvspHeader, type ScriptBlock } from './support/gvsp-script';

const D = 1464; // packet size 1500

interface Rig {
  device: ScriptedDevice;
  stream: Stream;
  frames: Frame[];
  next(timeoutMs?: number): Promise<Frame>;
  nothingFor(ms: number): Promise<void>;
  close(): Promise<void>;
}

async function rig(options: Partial<StreamOptions> = {}): Promise<Rig> {
  const receiverAddress = uniqueLoopbackAddress();
  const device = await ScriptedDevice.open(uniqueLoopbackAddress());
  const stream = openStream({
    bindAddress: receiverAddress,
    deviceAddress: device['socket'].address().address,
    devicePort: device.port,
    packetSize: 1500,
    maxPayloadSize: 64 * 1024,
    ...options,
  });
  device.destination = { address: receiverAddress, port: stream.port };
  const frames: Frame[] = [];
  let taken = 0;
  let wake: (() => void) | null = null;
  stream.on('frame', (f) => {
    // Held (not released) until the test ends: each frame keeps its pool buffer meanwhile.
    frames.push(f.share());
    wake?.();
  });
  return {
    device,
    stream,
    frames,
    async next(timeoutMs = 2000) {
      const deadline = Date.now() + timeoutMs;
      while (frames.length <= taken) {
        if (Date.now() > deadline) throw new Error(`no frame within ${timeoutMs} ms: ${JSON.stringify(stream.stats())}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 20);
        });
      }
      return frames[taken++];
    },
    async nothingFor(ms) {
      const before = frames.length;
      await new Promise((r) => setTimeout(r, ms));
      assert.equal(frames.length, before, 'no frame expected');
    },
    async close() {
      await stream.close();
      await device.close();
    },
  };
}

function block(blockId: bigint, bytes = 5000, extra: Partial<ScriptBlock> = {}): ScriptBlock {
  const data = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) data[i] = (i * 7 + Number(blockId)) & 0xff;
  return { blockId, pixelFormat: PixelFormat.Mono8, width: bytes / 50, height: 50, data, dataPerPacket: D, ...extra };
}

describe('native frame assembly from scripted packets', function () {
  let r: Rig | undefined;
  afterEach(async () => {
    await r?.close();
    r = undefined;
  });

  it('asks for a lost leader and completes the frame with it', async () => {
    // A long retry interval: a loaded machine may deliver the resent leader later than the default
    // retry, and a second request is correct behaviour, not what this test is about.
    r = await rig({ resend: { retryIntervalUs: 200_000 } });
    const b = block(1n);
    const packets = blockPackets(b);
    r.device.onResend = (c) => void r!.device.send(...packets.slice(c.first, c.last + 1));
    await r.device.send(...packets.slice(1));
    const frame = await r.next();
    assert.equal(frame.status, 'complete');
    assert.ok(frame.data.equals(b.data));
    assert.equal(frame.packets.resent, 1);
    assert.deepEqual(r.device.commands.map((c) => [c.blockId, c.first, c.last]), [[1n, 0, 0]]);
  });

  it('asks for a lost trailer once the device has gone quiet, and completes', async () => {
    r = await rig({ frameTimeoutMs: 40 });
    const b = block(2n);
    const packets = blockPackets(b);
    r.device.onResend = (c) => void r!.device.send(...packets.slice(c.first, c.last + 1));
    await r.device.send(...packets.slice(0, -1));
    const frame = await r.next();
    assert.equal(frame.status, 'complete');
    assert.equal(r.device.commands[0].last, packets.length - 1, 'the request reaches the trailer (its id is known from the leader)');
  });

  it('follows the 16-bit block id through its wrap 65535 → 1 and keeps the order', async () => {
    r = await rig();
    for (const id of [65534n, 65535n, 1n, 2n]) await r.device.send(...blockPackets(block(id)));
    const ids = [];
    for (let i = 0; i < 4; i++) {
      const f: Frame = await r.next();
      assert.equal(f.status, 'complete');
      ids.push(f.blockId);
    }
    assert.deepEqual(ids, [65534n, 65535n, 1n, 2n]);
  });

  it('interleaved blocks complete and are delivered in block order', async () => {
    r = await rig();
    const a = blockPackets(block(10n));
    const b = blockPackets(block(11n));
    const mixed: Buffer[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (b[i]) mixed.push(b[i]);
      if (a[i]) mixed.push(a[i]);
    }
    await r.device.send(...mixed);
    const first = await r.next();
    const second = await r.next();
    assert.deepEqual([first.blockId, second.blockId], [10n, 11n]);
    assert.ok(first.status === 'complete' && second.status === 'complete');
  });

  it('counts packets of a finished block as late, and treats a fresh leader for block 1 as a restart', async () => {
    r = await rig();
    const one = blockPackets(block(1n));
    for (const id of [1n, 2n, 3n]) await r.device.send(...blockPackets(block(id)));
    for (let i = 0; i < 3; i++) await r.next();
    await r.device.send(one[2]); // a stray data packet of finished block 1
    await r.nothingFor(50);
    assert.equal(r.stream.stats().packetsLate, 1);
    await r.device.send(...one); // the camera restarted its numbering
    const restarted = await r.next();
    assert.equal(restarted.blockId, 1n);
    assert.equal(restarted.status, 'complete');
  });

  it('survives malformed packets, counts them, and still assembles the next frame', async () => {
    r = await rig();
    const b = block(7n);
    const good = blockPackets(b);
    const ext = gvspHeader(true, 7n, 3, 1).subarray(0, 12); // EI set, too short for the extended header
    const shortLeader = Buffer.concat([gvspHeader(false, 7n, 1, 0), Buffer.alloc(10)]);
    const tooLong = Buffer.concat([gvspHeader(false, 7n, 3, 2), Buffer.alloc(D + 100)]);
    const beyond = Buffer.concat([gvspHeader(false, 7n, 3, 1000), Buffer.alloc(D)]);
    const unknownFormat = Buffer.concat([gvspHeader(false, 7n, 9, 3), Buffer.alloc(10)]);
    const leaderAtWrongId = Buffer.concat([gvspHeader(false, 7n, 1, 5), Buffer.alloc(36)]);
    await r.device.send(Buffer.alloc(0), Buffer.alloc(3), ext, shortLeader, tooLong, beyond, unknownFormat, leaderAtWrongId);
    await r.device.send(...good);
    const frame = await r.next();
    assert.equal(frame.status, 'complete');
    assert.ok(frame.data.equals(b.data));
    const stats = r.stream.stats();
    assert.ok(stats.packetsMalformed >= 6, JSON.stringify(stats));
    assert.ok(stats.packetsIgnored >= 1);
  });

  it('an error-status packet (PACKET_UNAVAILABLE) finishes the frame as incomplete without further requests', async () => {
    // A retry interval that a slow device (emulated JavaScript under qemu answers in tens of ms)
    // still answers within; a receiver that kept asking would ask again within the wait below.
    r = await rig({ resend: { retryIntervalUs: 200_000 } });
    const b = block(3n);
    const packets = blockPackets(b);
    r.device.onResend = (c) => void r!.device.send(gvspHeader(false, c.blockId, 3, c.first, 0x800c));
    await r.device.send(...packets.filter((_, i) => i !== 2));
    const frame = await r.next(2000);
    await r.nothingFor(600);
    assert.equal(frame.status, 'incomplete');
    assert.deepEqual(frame.packets, { expected: packets.length, received: packets.length - 1, resent: 0, missing: 1 });
    assert.ok(frame.data.subarray(D, 2 * D).every((v) => v === 0), 'the missing packet reads as zeros');
    assert.equal(r.device.commands.length, 1);
  });

  it('pool exhaustion is a counted drop, and a released buffer is back in the pool at once (no collection)', async () => {
    // memoryLimit 0: the pool only, so held frames cannot be handed over and replaced.
    r = await rig({ bufferCount: 2, memoryLimit: 0 });
    await r.device.send(...blockPackets(block(1n)), ...blockPackets(block(2n)));
    await r.next();
    await r.next();
    assert.equal(r.stream.stats().buffersAvailable, 0);
    await r.device.send(...blockPackets(block(3n)), ...blockPackets(block(4n)));
    await r.nothingFor(50);
    assert.equal(r.stream.stats().framesDroppedPoolExhausted, 2);
    for (const frame of r.frames) frame.release();
    assert.equal(r.stream.stats().buffersAvailable, 2, 'released synchronously, nothing collected');
    await r.device.send(...blockPackets(block(5n)));
    const frame = await r.next();
    assert.equal(frame.blockId, 5n);
    assert.ok(frame.data.equals(block(5n).data));
  });

  for (const policy of ['dropOldest', 'dropNewest'] as const) {
    it(`a slow consumer overflows the bounded queue (${policy}): counted, and the receive thread keeps going`, async () => {
      r = await rig({ bufferCount: 8, queueLength: 1, queuePolicy: policy });
      await r.device.send(...[1n, 2n, 3n, 4n].flatMap((id) => blockPackets(block(id))));
      // Hog the event loop until all four are assembled: JavaScript drains nothing meanwhile. The
      // receive thread needs a core for that; on a loaded 2-core machine it can wait seconds for one.
      const until = Date.now() + 10000;
      while (r.stream.stats().framesComplete < 4 && Date.now() < until) {
        /* a consumer that blocks the event loop */
      }
      const frame = await r.next();
      await r.nothingFor(30);
      assert.equal(frame.blockId, policy === 'dropOldest' ? 4n : 1n);
      const stats = r.stream.stats();
      assert.equal(stats.framesComplete, 4, `all four were assembled: ${JSON.stringify(stats)}`);
      assert.equal(stats.framesDroppedQueueFull, 3);
      assert.equal(stats.framesDropped, 3);
      assert.equal(stats.buffersAvailable, 7, 'dropped frames gave their buffers back');
    });
  }
});
