import * as fs from 'node:fs';
import * as path from 'node:path';
import { MemoryPort, NodeMap } from '../../lib/genicam';

export const TESTCAM_XML = fs.readFileSync(path.join(__dirname, 'fixtures', 'testcam.xml'), 'utf8');

/** Register image of TestCam after power-up (big-endian registers, as the XML says). */
export function testcamMemory(): Buffer {
  const mem = Buffer.alloc(0x10000);
  mem.write('Example', 0x48);
  mem.write('TestCam', 0x68);
  mem.writeInt32BE(415, 0xa100); // 41.5 C
  mem.writeUInt32BE(4504, 0xa000);
  mem.writeUInt32BE(4504, 0xa004);
  mem.writeUInt32BE(0x01080001, 0xa00c);
  mem.writeUInt32BE(40000, 0xa028);
  mem.writeDoubleBE(10000, 0xa030);
  mem.writeFloatLE(1.5, 0xa038);
  mem.writeUInt32BE(0x05dc, 0x0d04); // packet size 1500
  return mem;
}

export function testcam(options: { delayMs?: number } = {}): { map: NodeMap; port: MemoryPort; mem: Buffer } {
  const mem = testcamMemory();
  const port = new MemoryPort(mem, { log: true, delayMs: options.delayMs });
  return { map: NodeMap.fromXml(TESTCAM_XML, { device: port }), port, mem };
}
