/**
 * Stands in for the emulator's GVCP server in native tests: receives PACKETRESEND_CMD (parsed here
 * from the protocol reference §4.8, not by the native code) and hands it to the sender.
 */
import * as dgram from 'node:dgram';

import type { GvspSender } from '../../../lib/stream/native';

export interface ResendCommand {
  extended: boolean;
  requestId: number;
  streamChannel: number;
  blockId: bigint;
  first: number;
  last: number;
  from: string;
}

export function parsePacketResend(msg: Buffer): ResendCommand | null {
  if (msg.length < 20 || msg[0] !== 0x42 || msg.readUInt16BE(2) !== 0x0040) return null;
  const extended = (msg[1] & 0x10) !== 0;
  const length = msg.readUInt16BE(4);
  if (msg.length < 8 + length || length !== (extended ? 20 : 12)) return null;
  return {
    extended,
    requestId: msg.readUInt16BE(6),
    streamChannel: msg.readUInt16BE(8),
    blockId: extended ? msg.readBigUInt64BE(20) : BigInt(msg.readUInt16BE(10)),
    first: extended ? msg.readUInt32BE(12) : msg.readUInt32BE(12) & 0xffffff,
    last: extended ? msg.readUInt32BE(16) : msg.readUInt32BE(16) & 0xffffff,
    from: '',
  };
}

export class ResendForwarder {
  readonly commands: ResendCommand[] = [];
  malformed = 0;

  private constructor(private readonly socket: dgram.Socket, sender: Pick<GvspSender, 'resend'> | null, onCommand?: (c: ResendCommand) => void) {
    socket.on('message', (msg, rinfo) => {
      const command = parsePacketResend(msg);
      if (!command) {
        this.malformed += 1;
        return;
      }
      command.from = `${rinfo.address}:${rinfo.port}`;
      this.commands.push(command);
      onCommand?.(command);
      sender?.resend(command.blockId, command.first, command.last);
    });
  }

  static async open(address: string, sender: Pick<GvspSender, 'resend'> | null, onCommand?: (c: ResendCommand) => void): Promise<ResendForwarder> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, address, () => resolve());
    });
    return new ResendForwarder(socket, sender, onCommand);
  }

  get port(): number {
    return this.socket.address().port;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
