/**
 * Hostile datagrams for scripts/fuzz-udp.ts, from a seeded generator so that a run can be
 * repeated: well-formed GVCP commands, acks and event commands, GVSP packets, and mutations of them.
 */
import * as codec from '../lib/gvcp/codec';
import { Ack, Bootstrap, Command, Flag } from '../lib/gvcp/protocol';

const REGISTERS = [
  Bootstrap.CCP,
  Bootstrap.HEARTBEAT_TIMEOUT,
  Bootstrap.MCP,
  Bootstrap.MCDA,
  Bootstrap.SC0,
  Bootstrap.SC0 + 4,
  Bootstrap.SC0 + 0x18,
  Bootstrap.PRIMARY_APPLICATION_PORT,
  Bootstrap.PRIMARY_APPLICATION_IP,
  0x0000,
  0x0004,
  0x0200,
  0x0934,
  0x0938,
  0x0944,
  0xa000,
  0xa004,
];

export function isPacketResend(packet: Buffer): boolean {
  return packet.length >= 4 && packet[0] === 0x42 && packet.readUInt16BE(2) === Command.PACKETRESEND;
}

export class HostileDatagrams {
  private state: number;
  /** Resend requests make the emulator stream real packets at the client: only this many. */
  resendBudget = 2000;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  random(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.random() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  chance(p: number): boolean {
    return this.random() < p;
  }

  randomBytes(n: number): Buffer {
    return Buffer.from(Array.from({ length: n }, () => this.int(256)));
  }

  private u32(): number {
    return this.int(0x100000000);
  }

  private register(): number {
    return this.chance(0.6) ? this.pick(REGISTERS) : this.chance(0.5) ? this.u32() & ~3 : this.u32();
  }

  /** A well-formed command of some kind, before mutation. */
  command(): Buffer {
    const requestId = 1 + this.int(0xffff);
    const kind = this.int(11);
    const send = (cmd: number, payload: Buffer, flags: number = Flag.ACK_REQUIRED): Buffer =>
      codec.encodeCommand({ command: cmd, flags, requestId, payload: payload.subarray(0, 540) });
    switch (kind) {
      case 0:
        return send(Command.DISCOVERY, Buffer.alloc(0), 0x11);
      case 1:
        return send(
          Command.READREG,
          Buffer.concat(
            Array.from({ length: 1 + this.int(8) }, () => {
              const b = Buffer.alloc(4);
              b.writeUInt32BE(this.register() >>> 0);
              return b;
            }),
          ),
        );
      case 2: {
        const pairs = Array.from({ length: 1 + this.int(4) }, () => {
          const b = Buffer.alloc(8);
          b.writeUInt32BE(this.register() >>> 0);
          b.writeUInt32BE(this.pick([0, 1, 2, 3, 0x10, 0xffffffff, this.u32()]) >>> 0, 4);
          return b;
        });
        return send(Command.WRITEREG, Buffer.concat(pairs));
      }
      case 3: {
        const p = Buffer.alloc(8);
        p.writeUInt32BE(this.register() >>> 0);
        p.writeUInt16BE(this.pick([4, 8, 512, 536, 540, this.int(0x10000)]), 6);
        return send(Command.READMEM, p);
      }
      case 4: {
        const p = Buffer.alloc(4 + 4 * this.int(20));
        p.writeUInt32BE(this.register() >>> 0);
        return send(Command.WRITEMEM, p);
      }
      case 5: {
        if (this.resendBudget <= 0) return send(Command.READREG, Buffer.from([0, 0, 0, 0]));
        this.resendBudget -= 1;
        const extended = this.chance(0.3);
        const first = this.int(50);
        const r = codec.encodePacketResendCommand({
          streamChannel: 0,
          blockId: BigInt(this.int(0x10000)),
          firstPacketId: first,
          lastPacketId: first + this.int(4),
          extendedIds: extended,
        });
        return send(Command.PACKETRESEND, r.payload, r.flags);
      }
      case 6: {
        const a = codec.encodeActionCommand(
          {
            deviceKey: this.u32(),
            groupKey: this.u32(),
            groupMask: this.u32(),
            actionTime: this.chance(0.5) ? BigInt(this.u32()) : undefined,
          },
          this.chance(0.5),
        );
        return send(Command.ACTION, a.payload, a.flags);
      }
      case 7:
        return send(Command.FORCEIP, this.randomBytes(56)); // a random MAC: never the camera's
      case 8:
        return send(this.pick([Command.EVENT, Command.EVENTDATA]), this.randomBytes(16 * (1 + this.int(4))));
      case 9:
        return send(this.int(0x10000), this.randomBytes(this.int(64)), this.int(256));
      default:
        return this.ack(); // an ack sent to a device
    }
  }

  /** An acknowledge as a device would send it (status, answer and ack id mostly plausible). */
  ack(): Buffer {
    const answer = this.pick([
      Ack.READREG,
      Ack.WRITEREG,
      Ack.READMEM,
      Ack.WRITEMEM,
      Ack.PENDING,
      Ack.DISCOVERY,
      Ack.EVENT,
      Ack.ACTION,
      this.int(0x10000),
    ]);
    const status = this.pick([0, 0, 0x8001, 0x8002, 0x8003, 0x8006, 0x800f, 0x8fff, this.int(0x10000) & 0xbfff]);
    const payload =
      answer === Ack.PENDING
        ? codec.encodePendingAck(this.int(0x10000))
        : answer === Ack.READMEM
          ? this.randomBytes(4 + 4 * this.int(140))
          : this.randomBytes(4 * this.int(16));
    return codec.encodeAck({
      status,
      answer,
      ackId: this.chance(0.5) ? 1 + this.int(64) : this.int(0x10000),
      payload: payload.subarray(0, 540),
    });
  }

  /** EVENT / EVENTDATA as the camera sends them on the message channel. */
  eventCommand(): Buffer {
    const extended = this.chance(0.3);
    const item = {
      eventId: this.pick([0x9000, 0x9001, 0x9002, this.int(0x10000)]),
      streamChannel: this.pick([0, 0xffff]),
      blockId: BigInt(this.int(0x10000)),
      timestamp: BigInt(this.u32()),
      data: this.randomBytes(this.int(64)),
    };
    const payload = this.chance(0.5) ? codec.encodeEventCommand([item], extended) : codec.encodeEventDataCommand(item, extended);
    return codec.encodeCommand({
      command: this.chance(0.5) ? Command.EVENT : Command.EVENTDATA,
      flags: Flag.ACK_REQUIRED | (extended ? Flag.EXTENDED_IDS : 0),
      requestId: 1 + this.int(0xffff),
      payload,
    });
  }

  /** A GVSP packet: leader, payload or trailer of some block, standard or extended ids. */
  gvspPacket(): Buffer {
    const extended = this.chance(0.2);
    const format = this.pick([1, 2, 3, 3, 3, 4, this.int(128)]);
    const block = this.chance(0.1) ? 0 : this.int(0x10000);
    const head = Buffer.alloc(extended ? 20 : 8);
    head.writeUInt16BE(this.pick([0, 0, 0x0100, 0x800c, this.int(0x10000)]), 0);
    if (extended) {
      head[4] = 0x80 | format;
      head.writeBigUInt64BE(BigInt(block), 8);
      head.writeUInt32BE(this.int(2000), 16);
    } else {
      head.writeUInt16BE(block, 2);
      head[4] = format;
      head.writeUIntBE(format === 1 ? 0 : this.int(2000), 5, 3);
    }
    let body: Buffer;
    if (format === 1) {
      body = Buffer.alloc(36);
      body.writeUInt16BE(this.pick([0x0001, 0x4001, 0x0004, 0x0002, this.int(0x10000)]), 2);
      body.writeUInt32BE(this.pick([0x01080001, 0x01100007, 0x010c0006, this.u32()]), 12);
      body.writeUInt32BE(this.pick([640, 1, 0, 0xffffffff, this.u32()]) >>> 0, 16);
      body.writeUInt32BE(this.pick([480, 1, 0, 0xffffffff, this.u32()]) >>> 0, 20);
      body = body.subarray(0, this.chance(0.8) ? 36 : this.int(36));
    } else if (format === 2) {
      body = this.randomBytes(this.pick([8, 16, 4, 0]));
    } else {
      body = this.randomBytes(this.pick([1464, 1464, 1, 0, this.int(9000)]));
    }
    return Buffer.concat([head, body]);
  }

  /** Bit flips, a cut, an extension, a rewritten length, flags or command field. */
  mutate(packet: Buffer): Buffer {
    let out = Buffer.from(packet);
    const edits = 1 + this.int(3);
    for (let i = 0; i < edits && out.length > 0; i += 1) {
      switch (this.int(6)) {
        case 0:
          out[this.int(out.length)] ^= 1 << this.int(8);
          break;
        case 1:
          out = out.subarray(0, this.int(out.length));
          break;
        case 2:
          out = Buffer.concat([out, this.randomBytes(1 + this.int(64))]);
          break;
        case 3:
          if (out.length >= 6) out.writeUInt16BE(this.int(0x10000), 4);
          break;
        case 4:
          if (out.length >= 2) out[1] = this.int(256);
          break;
        default:
          if (out.length >= 4) out.writeUInt16BE(this.int(0x10000), 2);
          break;
      }
    }
    return out;
  }
}
