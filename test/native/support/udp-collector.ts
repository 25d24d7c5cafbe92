/** A plain Node dgram socket that records every datagram it gets: the independent judge of the sender. */
import * as dgram from 'node:dgram';

export interface Collected {
  data: Buffer;
  from: { address: string; port: number };
}

export class UdpCollector {
  readonly packets: Collected[] = [];
  private waiters: { count: number; resolve: () => void }[] = [];

  private constructor(private readonly socket: dgram.Socket) {
    socket.on('message', (data, rinfo) => {
      this.packets.push({ data, from: { address: rinfo.address, port: rinfo.port } });
      this.waiters = this.waiters.filter((w) => {
        if (this.packets.length < w.count) return true;
        w.resolve();
        return false;
      });
    });
  }

  static async open(address: string, receiveBufferBytes = 8 << 20): Promise<UdpCollector> {
    const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: receiveBufferBytes });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, address, () => resolve());
    });
    return new UdpCollector(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** Resolves when `count` datagrams have arrived in total, or after `timeoutMs` (whatever came). */
  waitFor(count: number, timeoutMs = 2000): Promise<Collected[]> {
    if (this.packets.length >= count) return Promise.resolve(this.packets);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(this.packets), timeoutMs);
      this.waiters.push({
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve(this.packets);
        },
      });
    });
  }

  /** Waits `ms` and returns everything collected (for "nothing more arrives" checks). */
  async settle(ms: number): Promise<Collected[]> {
    await new Promise((r) => setTimeout(r, ms));
    return this.packets;
  }

  clear(): void {
    this.packets.length = 0;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

export interface ParsedGvsp {
  status: number;
  flags: number;
  extended: boolean;
  format: number;
  blockId: bigint;
  packetId: number;
  body: Buffer;
}

/** Parses a GVSP header independently of the native code (protocol reference §4.2–4.3). */
export function parseGvsp(data: Buffer): ParsedGvsp {
  const extended = (data[4] & 0x80) !== 0;
  if (!extended) {
    return {
      status: data.readUInt16BE(0),
      flags: 0,
      extended,
      format: data[4] & 0x7f,
      blockId: BigInt(data.readUInt16BE(2)),
      packetId: data.readUIntBE(5, 3),
      body: data.subarray(8),
    };
  }
  return {
    status: data.readUInt16BE(0),
    flags: data.readUInt16BE(2),
    extended,
    format: data[4] & 0x7f,
    blockId: data.readBigUInt64BE(8),
    packetId: data.readUInt32BE(16),
    body: data.subarray(20),
  };
}
