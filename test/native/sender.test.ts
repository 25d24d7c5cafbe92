import { strict as assert } from 'node:assert';
import dgram from 'node:dgram';

import { GigeError } from '../../lib/errors';
import { GvspSender, renderRamp, type GvspBlock, type GvspSenderConfig } from '../../lib/stream/native';
import { PixelFormat } from '../../lib/stream/pixel-formats';
import { uniqueLoopbackAddress } from '../support/loopback';
import { UdpCollector, parseGvsp, type ParsedGvsp } from './support/udp-collector';

function rampBlock(blockId: bigint, width: number, height: number, extra: Partial<GvspBlock> = {}): GvspBlock {
  const data = Buffer.alloc(width * height);
  renderRamp(data, { width, height, pixelFormat: PixelFormat.Mono8, phase: Number(blockId) });
  return {
    blockId,
    timestamp: 0x0123456789abcdefn,
    pixelFormat: PixelFormat.Mono8,
    width,
    height,
    offsetX: 8,
    offsetY: 4,
    paddingX: 0,
    paddingY: 0,
    data,
    ...extra,
  };
}

describe('native GvspSender → plain dgram socket', function () {
  let receiver: UdpCollector;
  let sender: InstanceType<typeof GvspSender>;
  let config: GvspSenderConfig;

  beforeEach(async () => {
    receiver = await UdpCollector.open(uniqueLoopbackAddress());
    sender = new GvspSender({ bindAddress: uniqueLoopbackAddress() });
    config = { destinationAddress: receiver['socket'].address().address, destinationPort: receiver.port, packetSize: 576 };
    sender.configure(config);
  });

  afterEach(async () => {
    await sender.close();
    await receiver.close();
  });

  function sorted(packets: ParsedGvsp[]): ParsedGvsp[] {
    return [...packets].sort((a, b) => a.packetId - b.packetId);
  }

  it('sends leader, data slices of SCPS − 36 bytes and trailer (standard IDs)', async () => {
    const block = rampBlock(7n, 100, 37); // 3700 bytes, D = 540 → 7 data packets
    const result = await sender.sendBlock(block);
    assert.equal(result.packets, 9);
    const packets = (await receiver.waitFor(9)).map((p) => parseGvsp(p.data));
    assert.equal(packets.length, 9);
    assert.ok(receiver.packets.every((p) => p.from.port === sender.port), 'source port is SCSP');
    assert.deepEqual(packets.map((p) => p.packetId), [0, 1, 2, 3, 4, 5, 6, 7, 8], 'in order');
    for (const p of packets) {
      assert.equal(p.extended, false);
      assert.equal(p.blockId, 7n);
      assert.equal(p.status, 0);
    }
    const leader = packets[0];
    assert.equal(leader.format, 1);
    assert.equal(leader.body.length, 36);
    assert.equal(leader.body.readUInt16BE(2), 0x0001, 'payload type image');
    assert.equal(leader.body.readBigUInt64BE(4), 0x0123456789abcdefn);
    assert.equal(leader.body.readUInt32BE(12), PixelFormat.Mono8);
    assert.deepEqual([16, 20, 24, 28].map((o) => leader.body.readUInt32BE(o)), [100, 37, 8, 4]);
    assert.deepEqual([32, 34].map((o) => leader.body.readUInt16BE(o)), [0, 0]);
    const data = packets.slice(1, 8);
    for (const [i, p] of data.entries()) {
      assert.equal(p.format, 3);
      assert.equal(p.body.length, i < 6 ? 540 : 3700 - 6 * 540);
      assert.equal(p.body.length + 8 + 28 <= 576, true);
    }
    assert.deepEqual(Buffer.concat(data.map((p) => p.body)), block.data);
    const trailer = packets[8];
    assert.equal(trailer.format, 2);
    assert.equal(trailer.body.length, 8);
    assert.equal(trailer.body.readUInt16BE(2), 0x0001);
    assert.equal(trailer.body.readUInt32BE(4), 37, 'size_y');
    const stats = sender.stats();
    assert.equal(stats.blocksSent, 1);
    assert.equal(stats.packetsSent, 9);
  });

  it('uses 20-byte headers, 64-bit block ids and SCPS − 48 bytes of data with extended IDs', async () => {
    sender.configure({ ...config, packetSize: 1500, extendedIds: true });
    const block = rampBlock(0x1_0000_0005n, 64, 64); // 4096 bytes, D = 1452 → 3 data packets
    await sender.sendBlock(block);
    const packets = sorted((await receiver.waitFor(5)).map((p) => parseGvsp(p.data)));
    assert.equal(packets.length, 5);
    for (const p of packets) {
      assert.equal(p.extended, true);
      assert.equal(p.blockId, 0x1_0000_0005n);
      assert.equal(p.flags, 0);
    }
    assert.deepEqual(packets.slice(1, 4).map((p) => p.body.length), [1452, 1452, 4096 - 2 * 1452]);
    assert.deepEqual(Buffer.concat(packets.slice(1, 4).map((p) => p.body)), block.data);
    assert.equal(packets[4].packetId, 4);
    assert.equal(packets[4].format, 2);
  });

  it('sends payload type 0x4001 with the chunk fields in the trailer', async () => {
    const image = rampBlock(9n, 40, 10).data;
    const chunks = Buffer.alloc(24, 0xab);
    await sender.sendBlock({ ...rampBlock(9n, 40, 10), data: Buffer.concat([image, chunks]), chunkDataLength: 24, chunkLayoutId: 0x55 });
    const packets = sorted((await receiver.waitFor(3)).map((p) => parseGvsp(p.data)));
    assert.equal(packets[0].body.readUInt16BE(2), 0x4001);
    const trailer = packets[packets.length - 1];
    assert.equal(trailer.body.length, 16);
    assert.equal(trailer.body.readUInt16BE(2), 0x4001);
    assert.deepEqual([4, 8, 12].map((o) => trailer.body.readUInt32BE(o)), [10, 24, 0x55]);
    assert.deepEqual(packets[1].body, Buffer.concat([image, chunks]));
  });

  it('resends requested packets from its history, flagged as resent with extended IDs', async () => {
    const block = rampBlock(3n, 100, 37);
    await sender.sendBlock(block);
    await receiver.waitFor(9);
    receiver.clear();
    assert.equal(sender.resend(3n, 2, 4), true);
    const resent = sorted((await receiver.waitFor(3)).map((p) => parseGvsp(p.data)));
    assert.deepEqual(resent.map((p) => p.packetId), [2, 3, 4]);
    assert.deepEqual(resent[0].body, block.data.subarray(540, 1080));
    assert.ok(resent.every((p) => p.status === 0));

    receiver.clear();
    sender.configure({ ...config, extendedIds: true });
    const ext = rampBlock(4n, 100, 37);
    await sender.sendBlock(ext);
    // 10 packets: extended headers leave 528 data bytes per packet, so 3700 bytes take 8. (Waiting
    // for 9 let a late trailer, id 9, pass for the resent leader on a loaded machine.)
    await receiver.waitFor(10);
    receiver.clear();
    sender.resend(4n, 0, 0);
    const [leader] = (await receiver.waitFor(1)).map((p) => parseGvsp(p.data));
    assert.equal(leader.packetId, 0);
    assert.equal(leader.flags & 0x0001, 0x0001, 'resent flag');
    // The sender thread counts a resent packet after its send returns, which can be after the
    // datagram has already reached this process: wait (bounded) for the count to catch up.
    for (let i = 0; i < 200 && sender.stats().resendPacketsSent < 4; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(sender.stats().resendPacketsSent, 4);
  });

  it('holds a block until its notBefore (monotonic ns), answering resends meanwhile', async () => {
    await sender.sendBlock(rampBlock(3n, 100, 37));
    await receiver.waitFor(9);
    receiver.clear();
    const arrivals: Array<{ packet: ParsedGvsp; at: bigint }> = [];
    receiver['socket'].on('message', (data: Buffer) => arrivals.push({ packet: parseGvsp(data), at: process.hrtime.bigint() }));
    const notBefore = process.hrtime.bigint() + 300_000_000n;
    const sent = sender.sendBlock(rampBlock(4n, 100, 37, { notBefore }));
    assert.equal(sender.resend(3n, 2, 2), true);
    await sent;
    await receiver.waitFor(10);
    const leader = arrivals.find((a) => a.packet.blockId === 4n && a.packet.packetId === 0);
    const resent = arrivals.find((a) => a.packet.blockId === 3n);
    assert.ok(leader && resent, JSON.stringify(arrivals.map((a) => [String(a.packet.blockId), a.packet.packetId])));
    assert.ok(leader.at >= notBefore, `the block left ${Number(notBefore - leader.at) / 1e6} ms before its notBefore`);
    assert.ok(resent.at < leader.at, 'the resend of the earlier block did not wait behind the held one');
    const stats = sender.stats();
    assert.equal(stats.blocksHeld, 1);
    assert.ok(stats.heldLatenessNsMax >= 0 && stats.heldLatenessNsTotal === stats.heldLatenessNsMax, JSON.stringify(stats));
    await assert.rejects(
      sender.sendBlock(rampBlock(5n, 100, 37, { notBefore: process.hrtime.bigint() + 120_000_000_000n })),
      (err: GigeError) => err.code === 'OUT_OF_RANGE' && /notBefore is \d+ ms ahead; allowed at most 60000 ms ahead/.test(err.message),
    );
  });

  it('answers PACKET_UNAVAILABLE for unknown blocks and in "unavailable" mode, and nothing in "ignore" mode', async () => {
    await sender.sendBlock(rampBlock(5n, 100, 37));
    await receiver.waitFor(9);
    receiver.clear();
    sender.resend(999n, 1, 2);
    // One answer per request for a block the sender does not have: enough to stop the wait.
    const unknown = (await receiver.settle(100)).map((p) => parseGvsp(p.data));
    assert.deepEqual(unknown.map((p) => [p.status, p.blockId, p.packetId, p.body.length]), [
      [0x800c, 999n, 1, 0],
    ]);
    // Counted with what was asked and what the history held, so that a late request can be told apart.
    assert.equal(sender.stats().resendRequestsNotHeld, 1);
    assert.deepEqual(sender.stats().lastResendNotHeld, { asked: 999, oldestHeld: 5, newestHeld: 5 });
    receiver.clear();
    sender.configure({ ...config, resendMode: 'unavailable' });
    sender.resend(5n, 3, 3);
    const refused = (await receiver.waitFor(1)).map((p) => parseGvsp(p.data));
    assert.deepEqual(refused.map((p) => [p.status, p.packetId]), [[0x800c, 3]]);
    receiver.clear();
    sender.configure({ ...config, resendMode: 'ignore' });
    assert.equal(sender.resend(5n, 3, 3), false);
    assert.equal((await receiver.settle(100)).length, 0);
    assert.equal(sender.stats().resendRequestsIgnored, 1);
  });

  it('resends packets of a block still queued behind more than its history of newer blocks (a sender behind its frame rate)', async () => {
    // A slow link: each 500 kB block takes ≈ 250 ms, and six are queued at once, so when the first
    // is on the wire the newest four (the history's size) are all newer than it.
    sender.configure({ ...config, packetSize: 1500, bandwidthBytesPerSecond: 2_000_000, historyBlocks: 4 });
    const blocks = [21n, 22n, 23n, 24n, 25n, 26n].map((id) => rampBlock(id, 1000, 500));
    const sent = blocks.map((block) => sender.sendBlock(block));
    // Asked at once: the first block is queued or on the wire, however loaded the machine.
    assert.equal(sender.resend(21n, 3, 4), true);
    await Promise.all(sent);
    const answers = (await receiver.settle(100))
      .map((p) => parseGvsp(p.data))
      .filter((p) => p.blockId === 21n && (p.packetId === 3 || p.packetId === 4));
    // Two answers for each packet id: the first transmission and the resend — not PACKET_UNAVAILABLE.
    assert.deepEqual(
      answers.map((p) => [p.packetId, p.status]).sort(),
      [
        [3, 0],
        [3, 0],
        [4, 0],
        [4, 0],
      ],
    );
    // Once sent, blocks leave the history beyond its size again: the oldest is unknown now.
    receiver.clear();
    sender.resend(21n, 1, 1);
    const late = (await receiver.waitFor(1)).map((p) => parseGvsp(p.data));
    assert.deepEqual(late.map((p) => p.status), [0x800c]);
  });

  it('refuses resend requests already queued or beyond the queue bound, and counts them', async () => {
    await sender.sendBlock(rampBlock(5n, 100, 37)); // 9 packets
    await receiver.waitFor(9);
    // A slow link keeps the queue from draining while the requests come in.
    sender.configure({ ...config, bandwidthBytesPerSecond: 100_000 });
    let accepted = 0;
    for (let i = 0; i < 100; i++) if (sender.resend(5n, 0, 0xffffffff)) accepted += 1;
    assert.ok(accepted <= 2, `the same request is queued once (besides one being sent): ${accepted} accepted`);
    let distinct = 0;
    for (let i = 0; i < 2000; i++) if (sender.resend(BigInt(1000 + i), 0, 0)) distinct += 1;
    const stats = sender.stats();
    assert.ok(distinct >= 1000 && distinct <= 1030, `about 1024 distinct requests queued: ${distinct}`);
    assert.ok(stats.queuedJobs <= 1030, `queued jobs bounded: ${stats.queuedJobs}`);
    // Refused as already queued or over the queue bound, or — the same block asked for again and
    // again — over the block's resend budget.
    assert.equal(stats.resendRequestsDropped + stats.resendRequestsOverBudget, 100 - accepted + 2000 - distinct);
  });

  it('never answers one PACKETRESEND with more packets than a real block has, and bounds what one block costs', async () => {
    await sender.sendBlock(rampBlock(5n, 100, 37)); // 9 packets: ids 0 … 8
    await receiver.waitFor(9);
    receiver.clear();
    // An unknown block asked "to the end": one PACKET_UNAVAILABLE, not 16 million.
    sender.resend(999n, 0, 0xffffff);
    assert.equal((await receiver.settle(150)).length, 1);
    receiver.clear();
    // Ids past the trailer exist in no block: nothing at all.
    assert.equal(sender.resend(5n, 100, 0xffffff), false);
    // The same whole block asked for ten times, each after the previous answer arrived: a receiver
    // that really lost packets needs a resend or two, not an endless supply.
    for (let i = 0; i < 10; i++) {
      sender.resend(5n, 0, 0xffffff);
      await receiver.settle(20);
    }
    const resent = (await receiver.settle(100)).length;
    assert.equal(resent, 18, 'twice the block, then refusals');
    assert.equal(sender.stats().resendRequestsOverBudget, 8);
    assert.equal(sender.stats().resendRequestsOutOfRange, 1);
  });

  it('drops what was queued for a destination once the channel moves or closes: the next host never gets it', async () => {
    // 1 MB/s: each 20 kB block takes ~20 ms, so three are still queued when the host changes.
    sender.configure({ ...config, packetSize: 1500, bandwidthBytesPerSecond: 1_000_000 });
    const first = sender.sendBlock(rampBlock(1n, 200, 100));
    const queued = [2n, 3n, 4n].map((id) => sender.sendBlock(rampBlock(id, 200, 100)));
    const settled = Promise.allSettled([first, ...queued]);
    await receiver.waitFor(1);
    const next = await UdpCollector.open(uniqueLoopbackAddress());
    try {
      sender.configure({ ...config, destinationAddress: next['socket'].address().address, destinationPort: next.port, packetSize: 1500 });
      const outcomes = await settled;
      for (const outcome of outcomes.slice(1)) {
        assert.equal(outcome.status, 'rejected');
        assert.equal(((outcome as PromiseRejectedResult).reason as GigeError).code, 'STREAM_CLOSED');
      }
      await next.settle(100);
      assert.deepEqual(next.packets.map((p) => parseGvsp(p.data).blockId).filter((id) => id !== 5n), [], 'nothing of the old session reaches the new host');
      assert.ok(receiver.packets.length < 4 * 16, 'the old host stops getting packets mid-block');
      await sender.sendBlock(rampBlock(5n, 200, 100));
      assert.equal((await next.waitFor(16)).length, 16, 'the new session streams');
      assert.equal(sender.stats().jobsDroppedByDestinationChange, 3);
    } finally {
      await next.close();
    }
  });

  it('close() releases its socket at once: the port is free again without waiting for a garbage collection', async () => {
    const address = uniqueLoopbackAddress();
    const own = new GvspSender({ bindAddress: address });
    const port = own.port;
    await own.close();
    const socket = dgram.createSocket('udp4');
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind({ address, port, exclusive: true }, () => resolve());
      });
    } finally {
      socket.close();
    }
  });

  it('fires a test packet whose IP datagram is exactly the requested size, block id 0', async () => {
    await sender.sendTestPacket(1500);
    const [packet] = await receiver.waitFor(1);
    assert.equal(packet.data.length, 1500 - 28);
    assert.equal(parseGvsp(packet.data).blockId, 0n);
  });

  it('injects seeded faults deterministically and counts them', async () => {
    const block = rampBlock(11n, 200, 200); // 40000 bytes → 75 data packets
    const faults = { seed: 42, lossRate: 0.1, duplicateRate: 0.05, reorderRate: 0.05 };
    const runs: string[] = [];
    for (let run = 0; run < 2; run++) {
      receiver.clear();
      sender.configure({ ...config, faults });
      const result = await sender.sendBlock(block);
      const got = await receiver.waitFor(result.packets);
      assert.equal(got.length, result.packets);
      runs.push(got.map((p) => parseGvsp(p.data).packetId).join(','));
    }
    assert.equal(runs[0], runs[1], 'same seed, same fate');
    const ids = runs[0].split(',').map(Number);
    const stats = sender.stats();
    assert.ok(stats.packetsDroppedByFaults > 0 && stats.packetsDuplicatedByFaults > 0 && stats.packetsReorderedByFaults > 0, JSON.stringify(stats));
    assert.equal(new Set(ids).size, 77 - stats.packetsDroppedByFaults / 2);
    assert.notDeepEqual(ids, [...ids].sort((a, b) => a - b), 'reordered');
  });

  it('paces to a bandwidth limit', async () => {
    sender.configure({ ...config, packetSize: 1500, bandwidthBytesPerSecond: 10_000_000 });
    const block = rampBlock(12n, 1000, 500); // 500 kB at 10 MB/s ≈ 50 ms
    const start = process.hrtime.bigint();
    await sender.sendBlock(block);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    assert.ok(ms >= 40, `took ${ms.toFixed(1)} ms; a 10 MB/s link needs ≈ 50 ms`);
  });

  it('rejects bad configuration and blocks with GigeErrors naming the allowed values', async () => {
    assert.throws(() => sender.configure({ ...config, packetSize: 70000 }), /packetSize = 70000 is out of range; allowed 64 … 65535/);
    assert.throws(() => sender.configure({ ...config, resendMode: 'maybe' as never }), /allowed 'honour', 'ignore', 'unavailable'/);
    assert.throws(() => sender.configure({ ...config, faults: { lossRate: 2 } }), /lossRate = 2 is out of range; allowed 0/);
    await assert.rejects(sender.sendBlock({ ...rampBlock(1n, 4, 4), blockId: 70000n }), (e: unknown) => e instanceof GigeError && /blockId = 70000 is out of range; allowed 1 … 65535/.test(e.message));
    assert.throws(() => new GvspSender({ bindAddress: 'not-an-ip' }), /bindAddress 'not-an-ip' is not an IPv4 address/);
  });

  it('rejects work after close, and close is idempotent', async () => {
    await sender.close();
    await sender.close();
    await assert.rejects(sender.sendBlock(rampBlock(1n, 4, 4)), (e: unknown) => e instanceof GigeError && e.code === 'CLOSED');
    assert.equal(sender.resend(1n, 0, 1), false);
  });
});
