/**
 * The emulated camera answers anyone on loopback, so malformed and hostile GVCP input must get the
 * spec's answer and must not stop it serving its real host. Everything here is sent as raw
 * datagrams and observed on the wire (acks, events, stream packets).
 */
import { strict as assert } from 'node:assert';
import dgram from 'node:dgram';
import { EmulatedCamera } from '../../lib/emulator';
import { entryValue, feature } from '../../lib/emulator/dmk38gx541/features';
import {
  Ack,
  Bootstrap,
  Command,
  GVCP_MAX_READREG_ADDRESSES,
  GVCP_MAX_WRITEREG_PAIRS,
  GvcpStatus,
  StreamChannelRegister,
} from '../../lib/gvcp/protocol';
import { ipToNumber } from '../../lib/gvcp/address';
import { uniqueLoopbackAddress } from '../support/loopback';
import { RawGvcpHost } from './support/raw-gvcp';

const CONTROL = 0x2;
const FORMAT_TRAILER = 2;

function address(name: string): number {
  const a = feature(name).address;
  if (a === undefined) throw new Error(`${name} has no register`);
  return a;
}

async function openSocket(onMessage: (msg: Buffer) => void, bindAddress = '127.0.0.1'): Promise<dgram.Socket> {
  const socket = dgram.createSocket('udp4');
  socket.on('message', onMessage);
  await new Promise<void>((resolve) => socket.bind({ address: bindAddress, port: 0 }, resolve));
  return socket;
}

function closeSocket(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => socket.close(() => resolve()));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('emulator: malformed and hostile GVCP input (raw datagrams)', function () {
  this.timeout(20000);
  let camera: EmulatedCamera;
  let host: RawGvcpHost;

  before(async () => {
    camera = await EmulatedCamera.start({
      address: uniqueLoopbackAddress(),
      broadcastAddresses: [],
      settings: { Width: 640, Height: 480, AcquisitionFrameRate: 30 },
    });
    host = await RawGvcpHost.open(camera.address);
  });
  after(async () => {
    await host?.close();
    await camera?.stop();
  });

  /** Runs `body` holding control, and leaves the device as it found it. */
  async function withControl(body: () => Promise<void>): Promise<void> {
    await host.write([Bootstrap.CCP, CONTROL]);
    try {
      await body();
    } finally {
      await host.writeRegisters([[Bootstrap.CCP, 0]]);
    }
  }

  /** Runs `body` while the device streams to `receiver` (under control); stops and closes the stream after. */
  async function streamingTo(receiver: dgram.Socket, body: () => Promise<void>): Promise<void> {
    const scp = Bootstrap.SC0 + StreamChannelRegister.SCP;
    await withControl(async () => {
      await host.write([Bootstrap.SC0 + StreamChannelRegister.SCDA, ipToNumber('127.0.0.1')], [scp, receiver.address().port]);
      await host.write([address('AcquisitionStart'), 1]);
      try {
        await body();
      } finally {
        await host.writeRegisters([[address('AcquisitionStop'), 1]]);
        await host.writeRegisters([[scp, 0]]);
      }
    });
  }

  it('answers command code 0xFFFF with NOT_IMPLEMENTED, ack code wrapped to 0x0000', async () => {
    const ack = await host.request(host.packet(0xffff, Buffer.alloc(0)));
    assert.ok(ack, 'an ack arrives');
    assert.equal(ack.status, GvcpStatus.NOT_IMPLEMENTED);
    assert.equal(ack.answer, 0x0000);
    assert.equal(await host.read(Bootstrap.HEARTBEAT_TIMEOUT), 3000, 'the device still serves');
  });

  it('answers a 0xFFFF command whose header overstates its length with INVALID_HEADER', async () => {
    const ack = await host.request(host.packet(0xffff, Buffer.alloc(0), { declaredLength: 8 }));
    assert.ok(ack, 'an ack arrives');
    assert.equal(ack.status, GvcpStatus.INVALID_HEADER);
    assert.equal(ack.answer, 0x0000);
  });

  it('refuses READREG with more addresses than one ack carries (136) with INVALID_PARAMETER; 135 are read', async () => {
    const tooMany = await host.readRegisters(Array(GVCP_MAX_READREG_ADDRESSES + 1).fill(Bootstrap.HEARTBEAT_TIMEOUT));
    assert.ok(tooMany, 'an ack arrives');
    assert.equal(tooMany.status, GvcpStatus.INVALID_PARAMETER);
    assert.equal(tooMany.answer, Ack.READREG);
    const most = await host.readRegisters(Array(GVCP_MAX_READREG_ADDRESSES).fill(Bootstrap.HEARTBEAT_TIMEOUT));
    assert.equal(most?.status, GvcpStatus.SUCCESS);
    assert.equal(most?.payload.length, 540);
    assert.equal(most?.payload.readUInt32BE(536), 3000);
  });

  it('refuses WRITEREG with more than 67 pairs with INVALID_PARAMETER, writing none of them', async () => {
    await withControl(async () => {
      const ack = await host.writeRegisters(Array(GVCP_MAX_WRITEREG_PAIRS + 1).fill([Bootstrap.HEARTBEAT_TIMEOUT, 1000]));
      assert.ok(ack, 'an ack arrives');
      assert.equal(ack.status, GvcpStatus.INVALID_PARAMETER);
      assert.equal(ack.answer, Ack.WRITEREG);
      assert.equal(ack.payload.readUInt16BE(2), 0, 'index: nothing written');
      assert.equal(await host.read(Bootstrap.HEARTBEAT_TIMEOUT), 3000);
    });
  });

  it('keeps control with a heartbeat timeout of 0xFFFFFFFF ms (no 1 ms timer overflow)', async () => {
    await withControl(async () => {
      await host.write([Bootstrap.HEARTBEAT_TIMEOUT, 0xffffffff]);
      try {
        await sleep(200);
        assert.equal(await host.read(Bootstrap.CCP), CONTROL, 'still the primary after 200 ms of silence');
        assert.equal(await host.read(Bootstrap.HEARTBEAT_TIMEOUT), 0xffffffff);
      } finally {
        // Taking control again first, so that the restore works even if control was lost.
        await host.writeRegisters([
          [Bootstrap.CCP, CONTROL],
          [Bootstrap.HEARTBEAT_TIMEOUT, 3000],
        ]);
      }
    });
  });

  it('waits for the event ack with MCTT 0xFFFFFFFF ms instead of retransmitting every 1 ms', async () => {
    let events = 0;
    const receiver = await openSocket((msg) => {
      if (msg[0] === 0x42 && msg.readUInt16BE(2) === Command.EVENT) events += 1;
    });
    try {
      await withControl(async () => {
        await host.write(
          [Bootstrap.MCDA, ipToNumber('127.0.0.1')],
          [Bootstrap.MCP, receiver.address().port],
          [Bootstrap.MCTT, 0xffffffff],
          [Bootstrap.MCRC, 3],
          [address('EventSelector'), entryValue('EventSelector', 'Test')],
          [address('EventNotification'), entryValue('EventNotification', 'On')],
          [address('TestEventGenerate'), 1],
        );
        await sleep(300);
        await host.write([Bootstrap.MCP, 0]);
      });
      assert.equal(events, 1, 'the event is sent once and not yet retransmitted');
    } finally {
      await closeSocket(receiver);
    }
  });

  it("answers PACKETRESEND only from the stream's destination: a request from elsewhere draws nothing", async () => {
    let packets = 0;
    const receiver = await openSocket(() => {
      packets += 1;
    });
    const stranger = await openSocket(() => undefined, uniqueLoopbackAddress());
    try {
      await streamingTo(receiver, async () => {
        for (let i = 0; i < 200 && packets === 0; i += 1) await sleep(10);
        await host.writeRegisters([[address('AcquisitionStop'), 1]]);
        await sleep(200); // the last frame is out
        const request = Buffer.alloc(12);
        request.writeUInt16BE(1, 2);
        request.writeUInt32BE(0, 4);
        request.writeUInt32BE(0xffffff, 8);
        const packet = host.packet(Command.PACKETRESEND, request, { flags: 0 });
        const before = packets;
        const refusedBefore = camera.server.stats().resendRequestsRefused;
        // Same loopback host, but not the destination's address: 127.0.0.1 receives, 127.0.0.x asks.
        await new Promise<void>((resolve) => stranger.send(packet, 3956, camera.address, () => resolve()));
        await sleep(300);
        assert.equal(packets - before, 0, 'no packet answers a request from another address');
        assert.equal(camera.server.stats().resendRequestsRefused, refusedBefore + 1);
        host.send(packet);
        for (let i = 0; i < 100 && packets === before; i += 1) await sleep(10);
        assert.ok(packets > before, 'the destination itself is answered');
      });
    } finally {
      await closeSocket(stranger);
      await closeSocket(receiver);
    }
  });

  it("a late PACKETRESEND gets the block's own bytes, not those of a frame rendered since", async () => {
    // Every copy of packet 1 (the first data packet) per block id, in arrival order.
    const copies = new Map<number, Buffer[]>();
    const receiver = await openSocket((msg) => {
      if (msg.length < 8 || msg.readUIntBE(5, 3) !== 1) return;
      const id = msg.readUInt16BE(2);
      copies.set(id, [...(copies.get(id) ?? []), Buffer.from(msg.subarray(8))]);
    });
    try {
      await streamingTo(receiver, async () => {
        for (let i = 0; i < 300 && copies.size < 6; i += 1) await sleep(10);
        await host.writeRegisters([[address('AcquisitionStop'), 1]]);
        await sleep(200); // the last frame is out
        const newest = Math.max(...copies.keys());
        // Two frames back: within the camera's resend history, and its buffer would since have
        // carried a newer frame had it gone back to the renderer's pool.
        const asked = newest - 2;
        assert.ok(copies.has(asked), `block ${asked} arrived (blocks ${[...copies.keys()].join(', ')})`);
        const request = Buffer.alloc(12);
        request.writeUInt16BE(asked, 2);
        request.writeUInt32BE(1, 4);
        request.writeUInt32BE(1, 8);
        host.send(host.packet(Command.PACKETRESEND, request, { flags: 0 }));
        for (let i = 0; i < 100 && copies.get(asked)!.length < 2; i += 1) await sleep(10);
        const [original, resent] = copies.get(asked)!;
        assert.ok(resent, `block ${asked}: packet 1 was not resent`);
        assert.ok(resent.equals(original), `block ${asked}: the resent packet 1 differs from the one first sent`);
      });
    } finally {
      await closeSocket(receiver);
    }
  });

  it('a flood of whole-block PACKETRESEND is bounded in the sender queue, costs at most twice the block, and frames keep coming', async () => {
    const trailers: number[] = [];
    const packetsOf = new Map<number, number>();
    const unavailableOf = new Map<number, number>();
    const receiver = await openSocket((msg) => {
      // Standard ids: status at 0, block id at 2, packet format in the low nibble of byte 4.
      if (msg.length < 8) return;
      // Once the block ages out of the resend history (4 frames; a loaded machine stretches the
      // flood past that), each request gets one PACKET_UNAVAILABLE instead of the block's bytes.
      const counts = msg.readUInt16BE(0) === 0 ? packetsOf : unavailableOf;
      counts.set(msg.readUInt16BE(2), (counts.get(msg.readUInt16BE(2)) ?? 0) + 1);
      if ((msg[4] & 0x0f) === FORMAT_TRAILER) trailers.push(msg.readUInt16BE(2));
    });
    const scp = Bootstrap.SC0 + StreamChannelRegister.SCP;
    const waitForTrailers = async (count: number, newerThan: number, ms: number): Promise<number[]> => {
      const deadline = Date.now() + ms;
      for (;;) {
        const fresh = [...new Set(trailers.filter((id) => id > newerThan))];
        if (fresh.length >= count || Date.now() > deadline) return fresh;
        await sleep(20);
      }
    };
    try {
      await withControl(async () => {
        await host.write([Bootstrap.SC0 + StreamChannelRegister.SCDA, ipToNumber('127.0.0.1')], [scp, receiver.address().port]);
        await host.write([address('AcquisitionStart'), 1]);
        try {
          const before = await waitForTrailers(2, 0, 3000);
          assert.ok(before.length >= 2, `frames stream before the flood (${before.length})`);
          const flooded = Math.max(...before);
          const request = Buffer.alloc(12);
          request.writeUInt16BE(flooded, 2);
          request.writeUInt32BE(0, 4);
          request.writeUInt32BE(0xffffff, 8); // "to the end of the block"
          const requestsBefore = camera.server.stats().resendRequests;
          let maxQueued = 0;
          // 100 batches of 20, yielding between batches so the device (same process) reads them
          // before its socket buffer overflows; bounded in time too.
          const floodDeadline = Date.now() + 5000;
          for (let batch = 0; batch < 100 && Date.now() < floodDeadline; batch += 1) {
            for (let i = 0; i < 20; i += 1) host.send(host.packet(Command.PACKETRESEND, request, { flags: 0 }));
            await new Promise((resolve) => setImmediate(resolve));
            maxQueued = Math.max(maxQueued, camera.server.stats().sender?.queuedResends ?? 0);
          }
          await sleep(50);
          const stats = camera.server.stats();
          const received = stats.resendRequests - requestsBefore;
          assert.ok(received >= 1500, `the flood reached the device (${received} of 2000 requests)`);
          assert.ok(stats.sender, 'the sender reports its counters');
          assert.ok(maxQueued <= 8, `sender queue stayed bounded (peak ${maxQueued} resend jobs)`);
          const refused = stats.sender.resendRequestsDropped + stats.sender.resendRequestsOverBudget;
          assert.ok(refused >= received / 2, `repeated requests were refused (${refused} of ${received})`);
          // 640×480 Mono8 at packet size 1500: 210 data packets + leader + trailer per block. The
          // block went out once and may be resent at most twice over, whatever 2000 requests ask.
          const perBlock = Math.ceil((640 * 480) / (1500 - 36)) + 2;
          assert.ok(
            (packetsOf.get(flooded) ?? 0) <= 3 * perBlock,
            `block ${flooded}: ${packetsOf.get(flooded)} packets for ${perBlock} in the block`,
          );
          const unavailable = unavailableOf.get(flooded) ?? 0;
          assert.ok(unavailable <= received, `block ${flooded}: ${unavailable} PACKET_UNAVAILABLE for ${received} requests`);
          const after = await waitForTrailers(3, flooded, 3000);
          assert.ok(after.length >= 3, `frames keep arriving after the flood (${after.length} new blocks in 3 s)`);
        } finally {
          await host.writeRegisters([[address('AcquisitionStop'), 1]]);
          await host.writeRegisters([[scp, 0]]);
        }
      });
    } finally {
      await closeSocket(receiver);
    }
  });
});
