/**
 * A scripted GVSP device for receiver tests: builds packets in TypeScript straight from the
 * protocol reference §4 (independently of the native sender) and sends exactly the ones a test
 * chooses, in the order it chooses; collects the PACKETRESEND commands it receives.
 */
import * as dgram from 'node:dgram';

import { parsePacketResend, type ResendCommand } from './resend-forwarder';

export interface ScriptBlock {
  blockId: bigint;
  extended?: boolean;
  payloadType?: number;
  pixelFormat: number;
  width: number;
  height: number;
  data: Buffer;
  /** Data bytes per packet (SCPS − 36 or − 48). */
  dataPerPacket: number;
  timestamp?: bigint;
}

export function gvspHeader(extended: boolean, blockId: bigint, format: number, packetId: number, status = 0, flags = 0): Buffer {
  if (!extended) {
    const h = Buffer.alloc(8);
    h.writeUInt16BE(status, 0);
    h.writeUInt16BE(Number(blockId & 0xffffn), 2);
    h[4] = format;
    h.writeUIntBE(packetId, 5, 3);
    return h;
  }
  const h = Buffer.alloc(20);
  h.writeUInt16BE(status, 0);
  h.writeUInt16BE(flags, 2);
  h[4] = 0x80 | format;
  h.writeBigUInt64BE(blockId, 8);
  h.writeUInt32BE(packetId, 16);
  return h;
}

/** Every packet of a block: index = packet id (0 leader … N+1 trailer). */
export function blockPackets(b: ScriptBlock): Buffer[] {
  const ext = b.extended ?? false;
  const type = b.payloadType ?? 0x0001;
  const leader = Buffer.alloc(36);
  leader.writeUInt16BE(type, 2);
  leader.writeBigUInt64BE(b.timestamp ?? 0n, 4);
  leader.writeUInt32BE(b.pixelFormat, 12);
  leader.writeUInt32BE(b.width, 16);
  leader.writeUInt32BE(b.height, 20);
  const packets = [Buffer.concat([gvspHeader(ext, b.blockId, 1, 0), leader])];
  const count = Math.ceil(b.data.length / b.dataPerPacket);
  for (let k = 0; k < count; k++) {
    packets.push(Buffer.concat([gvspHeader(ext, b.blockId, 3, k + 1), b.data.subarray(k * b.dataPerPacket, (k + 1) * b.dataPerPacket)]));
  }
  const trailer = Buffer.alloc(8);
  trailer.writeUInt16BE(type, 2);
  trailer.writeUInt32BE(b.height, 4);
  packets.push(Buffer.concat([gvspHeader(ext, b.blockId, 2, count + 1), trailer]));
  return packets;
}

export class ScriptedDevice {
  readonly commands: ResendCommand[] = [];
  /** Called for each PACKETRESEND; a test answers by sending packets. */
  onResend: ((c: ResendCommand) => void) | null = null;

  /** Where packets go: the stream's address and port, set once the stream is open. */
  destination = { address: '127.0.0.1', port: 0 };

  private constructor(private readonly socket: dgram.Socket) {
    socket.on('message', (msg) => {
      const command = parsePacketResend(msg);
      if (!command) return;
      this.commands.push(command);
      this.onResend?.(command);
    });
  }

  static async open(address: string): Promise<ScriptedDevice> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, address, () => resolve());
    });
    return new ScriptedDevice(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  send(...packets: Buffer[]): Promise<void> {
    return new Promise((resolve, reject) => {
      let left = packets.length;
      if (left === 0) resolve();
      for (const p of packets) {
        this.socket.send(p, this.destination.port, this.destination.address, (err) => {
          if (err) reject(err);
          else if (--left === 0) resolve();
        });
      }
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
