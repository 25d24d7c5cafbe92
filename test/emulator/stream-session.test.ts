/**
 * A stream channel session is one host's: what the camera read out for a host that has since closed
 * the channel (or pointed it elsewhere) never reaches the next host. On a real camera the stream
 * stops when the host closes it; an emulator that kept sending showed the next client a block of the
 * old session first, and Aravis then discarded every later frame as "late".
 */
import { strict as assert } from 'node:assert';
import dgram from 'node:dgram';
import { EmulatedCamera } from '../../lib/emulator';
import { Bootstrap, StreamChannelRegister } from '../../lib/gvcp/protocol';
import { ipToNumber } from '../../lib/gvcp/address';
import { GigeError } from '../../lib/errors';
import { uniqueLoopbackAddress } from '../support/loopback';
import { RawGvcpHost } from './support/raw-gvcp';

const SCP = Bootstrap.SC0 + StreamChannelRegister.SCP;
const SCDA = Bootstrap.SC0 + StreamChannelRegister.SCDA;

async function receiver(): Promise<{ socket: dgram.Socket; blocks: number[] }> {
  const blocks: number[] = [];
  const socket = dgram.createSocket('udp4');
  socket.on('message', (msg) => {
    if (msg.length >= 8) blocks.push(msg.readUInt16BE(2));
  });
  await new Promise<void>((resolve) => socket.bind({ address: '127.0.0.1', port: 0 }, resolve));
  return { socket, blocks };
}

describe('emulator: one stream session per host', function () {
  let camera: EmulatedCamera;
  let host: RawGvcpHost;

  beforeEach(async () => {
    camera = await EmulatedCamera.start({ address: uniqueLoopbackAddress(), broadcastAddresses: [] });
    host = await RawGvcpHost.open(camera.address);
    await host.write([Bootstrap.CCP, 0x2]);
  });
  afterEach(async () => {
    await host.close();
    await camera.stop();
  });

  function block(blockId: bigint) {
    return {
      blockId,
      timestamp: 0n,
      pixelFormat: 0x01080001,
      width: 64,
      height: 4,
      offsetX: 0,
      offsetY: 0,
      paddingX: 0,
      paddingY: 0,
      data: Buffer.alloc(256, 7),
    };
  }

  for (const change of ['closed and reopened', 'given another port'] as const) {
    it(`a block whose id was reserved before the channel was ${change} is not sent to the new destination`, async () => {
      const a = await receiver();
      const b = await receiver();
      try {
        await host.write([SCDA, ipToNumber('127.0.0.1')], [SCP, a.socket.address().port]);
        const stream = camera.server.stream;
        assert.equal(await stream.sendBlock(block(stream.reserveBlockId()!)), 1n);
        const oldFrame = stream.reserveBlockId()!; // exposure ended: id 2, still in readout…
        if (change === 'closed and reopened') await host.write([SCP, 0]);
        await host.write([SCP, b.socket.address().port]); // …when the next host opens the channel
        await assert.rejects(stream.sendBlock(block(oldFrame)), (err: GigeError) => err.code === 'STREAM_CLOSED');
        const fresh = stream.reserveBlockId()!;
        await stream.sendBlock(block(fresh));
        await new Promise((r) => setTimeout(r, 50));
        assert.deepEqual([...new Set(b.blocks)], [Number(fresh)], 'the new host sees only its own session');
        assert.deepEqual([...new Set(a.blocks)], [1]);
      } finally {
        await host.writeRegisters([[SCP, 0]]);
        a.socket.close();
        b.socket.close();
      }
    });
  }
});
