/**
 * Stream check against Aravis' fake camera for the GVCP interop test: our control channel sets up
 * stream channel 0 (SCDA/SCPS/SCP) and starts acquisition through the fake camera's registers
 * (Width 0x100, Height 0x104, PixelFormat 0x128, AcquisitionCommand 0x124 — from its XML); a plain
 * UDP socket collects the GVSP packets, and each frame is checked against the fake camera's
 * documented Mono8 pattern (x + y + block_id) % 255. (The production receiver is native; this only
 * proves the control side drives a foreign device's stream correctly.)
 */
import dgram from 'node:dgram';
import { GvcpDevice } from '../../../lib/gvcp/device';
import { Bootstrap, StreamChannelRegister } from '../../../lib/gvcp/protocol';
import { ipToNumber } from '../../../lib/gvcp/address';

const WIDTH = 0x100;
const HEIGHT = 0x104;
const PIXEL_FORMAT = 0x128;
const ACQUISITION_COMMAND = 0x124;

export interface FakeFrame {
  blockId: number;
  width: number;
  height: number;
  pixelFormat: number;
  bytes: number;
  packets: number;
  mismatches: number;
}

export async function grabFromAravisFake(address: string, frames: number): Promise<{ frames: FakeFrame[] }> {
  const d = await GvcpDevice.connect({ address });
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  const width = 64;
  const height = 48;
  const blocks = new Map<number, { data: Buffer; leader?: Buffer; packets: number; got: number }>();
  const done: FakeFrame[] = [];
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((r) => {
    finish = r;
  });
  socket.on('message', (msg) => {
    if (msg.length < 8) return;
    const blockId = msg.readUInt16BE(2);
    const format = msg[4] & 0x7f;
    const packetId = msg.readUIntBE(5, 3);
    let b = blocks.get(blockId);
    if (!b) {
      b = { data: Buffer.alloc(width * height), packets: 0, got: 0 };
      blocks.set(blockId, b);
    }
    b.packets += 1;
    if (format === 1) b.leader = msg.subarray(8);
    else if (format === 3) {
      const payload = msg.subarray(8);
      const size = 1500 - 36;
      payload.copy(b.data, (packetId - 1) * size);
      b.got += payload.length;
    } else if (format === 2 && b.leader && done.length < frames) {
      let mismatches = 0;
      for (let y = 0; y < height; y += 1) {
        for (let x = 0; x < width; x += 1) if (b.data[y * width + x] !== (x + y + blockId) % 255) mismatches += 1;
      }
      done.push({
        blockId,
        width: b.leader.readUInt32BE(16),
        height: b.leader.readUInt32BE(20),
        pixelFormat: b.leader.readUInt32BE(12),
        bytes: b.got,
        packets: b.packets,
        mismatches,
      });
      blocks.delete(blockId);
      if (done.length >= frames) finish();
    }
  });
  try {
    // Several writes in one call: the client splits them, as this device lacks concatenation.
    await d.channel.writeRegisters([
      { address: WIDTH, value: width },
      { address: HEIGHT, value: height },
      { address: PIXEL_FORMAT, value: 0x01080001 },
      { address: Bootstrap.SC0 + StreamChannelRegister.SCDA, value: ipToNumber('127.0.0.1') },
      { address: Bootstrap.SC0 + StreamChannelRegister.SCPS, value: 1500 },
      { address: Bootstrap.SC0 + StreamChannelRegister.SCP, value: socket.address().port },
    ]);
    await d.channel.writeRegister(ACQUISITION_COMMAND, 1);
    await Promise.race([finished, new Promise((r) => setTimeout(r, 5000))]);
    await d.channel.writeRegister(ACQUISITION_COMMAND, 0);
    await d.channel.writeRegister(Bootstrap.SC0 + StreamChannelRegister.SCP, 0);
    return { frames: done };
  } finally {
    socket.close();
    await d.close();
  }
}
