import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { openStream } from '../../lib/stream/index';
import { PixelFormat } from '../../lib/stream/pixel-formats';
import { renderRampLineReference, renderRampReference } from '../../lib/stream/scene-reference';
import { uniqueLoopbackAddress } from '../support/loopback';
import { openStreamPair, sceneBlock, type StreamPair } from './support/stream-pair';

describe('native StreamReceiver ← GvspSender over loopback', function () {
  let pair: StreamPair | undefined;
  afterEach(async () => {
    await pair?.close();
    pair = undefined;
  });

  for (const packetSize of [1500, 9000]) {
    for (const name of ['Mono8', 'Mono12Packed', 'Mono12p', 'Mono16'] as const) {
      it(`delivers byte-exact ${name} frames at packet size ${packetSize}`, async () => {
        const params = { width: 333, height: 97, pixelFormat: PixelFormat[name], originX: 100, originY: 7 };
        const reference = (n: number) => renderRampReference({ ...params, phase: n });
        // A sender thread that loses its core on a loaded machine must not turn into a frame given up:
        // this test is about the bytes, so the silence allowed is long.
        pair = await openStreamPair({ packetSize, maxPayloadSize: reference(0).length, frameTimeoutMs: 5000 });
        for (let id = 1n; id <= 3n; id++) await pair.sender.sendBlock(sceneBlock(id, params));
        const frames = await pair.waitFrames(3);
        for (const [i, frame] of frames.entries()) {
          assert.equal(frame.status, 'complete');
          assert.equal(frame.blockId, BigInt(i + 1));
          assert.equal(frame.timestamp, 1_000_000n * BigInt(i + 1));
          assert.equal(frame.pixelFormatName, name);
          assert.deepEqual([frame.width, frame.height, frame.offsetX, frame.offsetY], [333, 97, 100, 7]);
          assert.ok(frame.data.equals(reference(i + 1)), `frame ${i + 1} bytes`);
          const dataPackets = Math.ceil(frame.data.length / (packetSize - 36));
          assert.deepEqual(frame.packets, { expected: dataPackets + 2, received: dataPackets + 2, resent: 0, missing: 0 });
          assert.equal(frame.chunkData, undefined);
        }
        const stats = pair.stream.stats();
        assert.equal(stats.framesComplete, 3);
        assert.equal(stats.framesIncomplete, 0);
      });
    }
  }

  it('assembles a full 4504×4504 Mono8 sensor frame (packet size 1500: 13 859 packets)', async () => {
    const params = { width: 4504, height: 4504, pixelFormat: PixelFormat.Mono8 };
    pair = await openStreamPair({ packetSize: 1500, maxPayloadSize: 4504 * 4504 });
    const block = sceneBlock(42n, params);
    await pair.sender.sendBlock(block);
    const [frame] = await pair.waitFrames(1);
    assert.equal(frame.status, 'complete');
    assert.equal(frame.packets.expected, Math.ceil((4504 * 4504) / 1464) + 2);
    assert.ok(frame.data.equals(block.data), 'bytes equal what was sent');
    for (const y of [0, 2251, 4503]) {
      assert.ok(frame.data.subarray(y * 4504, (y + 1) * 4504).equals(renderRampLineReference({ ...params, phase: 42 }, y)), `line ${y}`);
    }
    assert.ok(pair.stream.stats().packetsInPlace > 0.5 * frame.packets.expected, 'most payload was scattered straight into place');
  });

  it('handles extended IDs (64-bit block ids, 20-byte headers)', async () => {
    const params = { width: 200, height: 50, pixelFormat: PixelFormat.Mono8 };
    pair = await openStreamPair({ packetSize: 1500, maxPayloadSize: 10000, extendedIds: true });
    const id = 0x1_0000_0001n;
    const block = sceneBlock(id, params);
    await pair.sender.sendBlock(block);
    await pair.sender.sendBlock(sceneBlock(id + 1n, params));
    const frames = await pair.waitFrames(2);
    assert.deepEqual(frames.map((f) => f.blockId), [id, id + 1n]);
    assert.ok(frames[0].data.equals(block.data));
    assert.equal(frames[0].packets.expected, Math.ceil(10000 / 1452) + 2);
  });

  it('delivers an image + chunk payload (0x4001): data is the image, chunkData the whole chunked payload', async () => {
    const params = { width: 64, height: 16, pixelFormat: PixelFormat.Mono8 };
    const image = sceneBlock(5n, params).data;
    // [image][image tag][exposure chunk data][its tag], tags big-endian (id, length)
    const chunks = Buffer.alloc(8 + 8 + 8);
    chunks.writeUInt32BE(0x11111111, 0);
    chunks.writeUInt32BE(image.length, 4);
    chunks.writeDoubleLE(1234.5, 8);
    chunks.writeUInt32BE(0xa5a5a501, 16);
    chunks.writeUInt32BE(8, 20);
    pair = await openStreamPair({ packetSize: 576, maxPayloadSize: image.length + chunks.length });
    await pair.sender.sendBlock({ ...sceneBlock(5n, params), data: Buffer.concat([image, chunks]), chunkDataLength: chunks.length, chunkLayoutId: 7 });
    const [frame] = await pair.waitFrames(1);
    assert.equal(frame.payloadType, 0x4001);
    assert.equal(frame.status, 'complete');
    assert.ok(frame.data.equals(image));
    assert.ok(frame.chunkData?.equals(Buffer.concat([image, chunks])), 'the image is the first chunk: a backward parse ends on offset 0');
    assert.equal(frame.chunkLayoutId, 7);
  });

  it('delivers a chunk-data payload (0x0004, 12-byte leader) whole as chunkData', async () => {
    const chunks = Buffer.alloc(3000);
    for (let i = 0; i < chunks.length; i++) chunks[i] = (i * 13) & 0xff;
    pair = await openStreamPair({ packetSize: 1500, maxPayloadSize: chunks.length });
    await pair.sender.sendBlock({ blockId: 9n, timestamp: 77n, payloadType: 0x0004, pixelFormat: 0, width: 0, height: 0, offsetX: 0, offsetY: 0, paddingX: 0, paddingY: 0, data: chunks });
    const [frame] = await pair.waitFrames(1);
    assert.equal(frame.status, 'complete');
    assert.equal(frame.payloadType, 0x0004);
    assert.equal(frame.timestamp, 77n);
    assert.equal(frame.data.length, 0);
    assert.ok(frame.chunkData?.equals(chunks));
  });

  it('reports the socket it got: receive buffer, offload, interface MTU against the packet size', async () => {
    pair = await openStreamPair({ packetSize: 9000, maxPayloadSize: 1000, socketBufferBytes: 32 << 20 });
    const { socket } = pair.stream.stats();
    assert.equal(socket.receiveBufferRequested, 32 << 20);
    assert.ok(socket.receiveBufferObtained > 0);
    if (process.getuid?.() === 0) assert.equal(socket.receiveBufferForced, true);
    assert.equal(socket.interface, 'lo');
    assert.equal(socket.mtu, 65536);
    assert.equal(socket.packetSizeFitsMtu, true);
  });

  it("stamps each frame with when its first and last packets reached this host, on the host's clock", async () => {
    const params = { width: 1000, height: 200, pixelFormat: PixelFormat.Mono8 };
    pair = await openStreamPair({ packetSize: 1500, maxPayloadSize: 1000 * 200, frameTimeoutMs: 5000 });
    // qemu-user (the arm64 CI) refuses SO_TIMESTAMPNS: there the receive thread's read time stands in,
    // and the bounds below hold as well. A Linux kernel on the machine itself stamps them.
    if (process.arch === 'x64') assert.equal(pair.stream.stats().socket.kernelTimestamps, true, 'the kernel stamps datagrams (SO_TIMESTAMPNS)');
    // Date.now() has ms steps: the bounds allow one either side.
    const before = BigInt(Date.now() - 1) * 1_000_000n;
    await pair.sender.sendBlock(sceneBlock(1n, params));
    const [first] = await pair.waitFrames(1);
    await pair.sender.sendBlock(sceneBlock(2n, params));
    const [, second] = await pair.waitFrames(2);
    const after = BigInt(Date.now() + 1) * 1_000_000n;
    for (const frame of [first, second]) {
      assert.ok(frame.received, `frame ${frame.blockId} has host times`);
      const { firstPacket, lastPacket } = frame.received;
      assert.ok(before <= firstPacket && firstPacket <= lastPacket && lastPacket <= after, `${before} ≤ ${firstPacket} ≤ ${lastPacket} ≤ ${after}`);
    }
    assert.ok((first.received?.lastPacket ?? 0n) <= (second.received?.firstPacket ?? 0n), 'the second block was sent after the first arrived');
  });

  /** Nice values of this process's receive threads (named gige-stream), as the kernel shows them. */
  function streamThreadNices(): number[] {
    const nices: number[] = [];
    for (const tid of fs.readdirSync('/proc/self/task')) {
      try {
        if (fs.readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() !== 'gige-stream') continue;
        // Fields after the command name (which may hold spaces): state is field 3, nice field 19.
        const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
        nices.push(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
      } catch {
        // the thread ended meanwhile
      }
    }
    return nices;
  }

  it('runs its receive thread above the process when it may (nice -10), and at the nice asked for', async () => {
    const mayLower = process.getuid?.() === 0;
    pair = await openStreamPair({ packetSize: 1500, maxPayloadSize: 1000 });
    const expected = mayLower ? -10 : os.getPriority();
    assert.equal(pair.stream.stats().receiveThreadNice, expected);
    assert.deepEqual(streamThreadNices(), [expected], 'the kernel shows the receive thread at that nice value');
    assert.equal(os.getPriority(), mayLower ? 0 : expected, 'only the receive thread changed, not the process');
    await pair.close();
    // A higher nice value needs no privilege: the option is honoured for every user.
    pair = await openStreamPair({ packetSize: 1500, maxPayloadSize: 1000, receiveThreadNice: 5 });
    assert.equal(pair.stream.stats().receiveThreadNice, 5);
    assert.deepEqual(streamThreadNices(), [5]);
    const refused = { bindAddress: uniqueLoopbackAddress(), deviceAddress: uniqueLoopbackAddress(), packetSize: 1500, maxPayloadSize: 1000 };
    assert.throws(() => openStream({ ...refused, receiveThreadNice: 2.5 }), /receiveThreadNice must be a whole number; allowed -20 … 19/);
    assert.throws(() => openStream({ ...refused, receiveThreadNice: -21 }), /receiveThreadNice = -21 is out of range; allowed -20 … 19/);
  });

  it('stops its thread on close: a process that streamed and closed exits by itself', function () {
    this.timeout(20000);
    const script = path.join(__dirname, 'support', 'close-exits.ts');
    const run = spawnSync(process.execPath, ['-r', 'tsx/cjs', script], { cwd: path.join(__dirname, '..', '..'), timeout: 15000, encoding: 'utf8' });
    assert.equal(run.signal, null, `killed by ${run.signal}: the process did not exit on its own\n${run.stdout}\n${run.stderr}`);
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout.trim().split('\n').pop() as string);
    assert.equal(report.frames, 2);
    assert.equal(report.threadsAfterClose, report.threadsBefore, 'the receive and send threads are gone');
    const streamResources = (report.resourcesAfterClose as string[]).filter((name) => /UDP|Timeout|Immediate|TCP/.test(name));
    assert.deepEqual(streamResources, [], 'no socket or timer left after close');
  });
});
