/**
 * A GVCP host made of one UDP socket and hand-built datagrams, for tests that send what no client
 * library would (unknown codes, over-long commands) and read the device's answer byte by byte.
 */
import dgram from 'node:dgram';
import { Command, Flag, GVCP_PORT } from '../../../lib/gvcp/protocol';

export interface RawAck {
  status: number;
  answer: number;
  ackId: number;
  payload: Buffer;
}

export class RawGvcpHost {
  private nextId = 1;
  private readonly waiting = new Map<number, (ack: RawAck) => void>();

  private constructor(
    readonly socket: dgram.Socket,
    readonly device: string,
  ) {
    socket.on('message', (msg) => {
      if (msg.length < 8) return;
      const ack: RawAck = {
        status: msg.readUInt16BE(0),
        answer: msg.readUInt16BE(2),
        ackId: msg.readUInt16BE(6),
        payload: msg.subarray(8, 8 + msg.readUInt16BE(4)),
      };
      this.waiting.get(ack.ackId)?.(ack);
    });
  }

  static async open(device: string): Promise<RawGvcpHost> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind({ address: '127.0.0.1', port: 0 }, resolve));
    return new RawGvcpHost(socket, device);
  }

  /** Any header fields; `declaredLength` may lie about the payload. */
  packet(command: number, payload: Buffer, options: { flags?: number; requestId?: number; declaredLength?: number } = {}): Buffer {
    const out = Buffer.alloc(8 + payload.length);
    out[0] = 0x42;
    out[1] = options.flags ?? Flag.ACK_REQUIRED;
    out.writeUInt16BE(command, 2);
    out.writeUInt16BE(options.declaredLength ?? payload.length, 4);
    out.writeUInt16BE(options.requestId ?? this.takeId(), 6);
    payload.copy(out, 8);
    return out;
  }

  send(packet: Buffer): void {
    this.socket.send(packet, GVCP_PORT, this.device);
  }

  /** Sends and resolves with the ack for its request id, or null when none came in `timeoutMs`. */
  request(packet: Buffer, timeoutMs = 1000): Promise<RawAck | null> {
    const id = packet.readUInt16BE(6);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve(null);
      }, timeoutMs);
      this.waiting.set(id, (ack) => {
        clearTimeout(timer);
        this.waiting.delete(id);
        resolve(ack);
      });
      this.send(packet);
    });
  }

  async readRegisters(addresses: number[]): Promise<RawAck | null> {
    const payload = Buffer.alloc(addresses.length * 4);
    addresses.forEach((a, i) => payload.writeUInt32BE(a, i * 4));
    return this.request(this.packet(Command.READREG, payload));
  }

  async writeRegisters(writes: Array<[address: number, value: number]>): Promise<RawAck | null> {
    const payload = Buffer.alloc(writes.length * 8);
    writes.forEach(([a, v], i) => {
      payload.writeUInt32BE(a, i * 8);
      payload.writeUInt32BE(v >>> 0, i * 8 + 4);
    });
    return this.request(this.packet(Command.WRITEREG, payload));
  }

  /** Writes that must succeed (setting up a scenario). */
  async write(...writes: Array<[address: number, value: number]>): Promise<void> {
    for (const w of writes) {
      const ack = await this.writeRegisters([w]);
      if (!ack || ack.status !== 0)
        throw new Error(`WRITEREG 0x${w[0].toString(16)} ← ${w[1]}: ${ack ? `status 0x${ack.status.toString(16)}` : 'no ack'}`);
    }
  }

  async read(address: number): Promise<number> {
    const ack = await this.readRegisters([address]);
    if (!ack || ack.status !== 0)
      throw new Error(`READREG 0x${address.toString(16)}: ${ack ? `status 0x${ack.status.toString(16)}` : 'no ack'}`);
    return ack.payload.readUInt32BE(0);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  private takeId(): number {
    const id = this.nextId;
    this.nextId = id >= 0xffff ? 1 : id + 1;
    return id;
  }
}
