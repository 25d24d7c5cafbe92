/**
 * ACTION_CMD (§7): one datagram to a device (unicast) or to many (a broadcast address), optionally
 * with a scheduled action time (device clock, ns with PTP). Devices whose device key, group key and
 * group mask match act; only those answer, so with `ack` the result lists who accepted (and who
 * refused with e.g. ACTION_LATE), collected for `timeoutMs`.
 *
 * The command is sent once: a retry could make a device act twice, so there is no resend.
 */
import dgram from 'node:dgram';
import { Ack, Command, GVCP_PORT, describeStatus, statusName } from './protocol';
import { decodeAck, encodeActionCommand, encodeCommand, isCommandPacket } from './codec';
import { GvcpError, badArgument } from './errors';
import { quoteInput } from '../errors';
import { isIpv4 } from './address';

export interface ActionCommandOptions {
  /** A device address or a broadcast address (tests: 127.255.255.255). */
  address: string;
  deviceKey: number;
  groupKey: number;
  groupMask: number;
  /** Device time at which to act (scheduled action); absent → act on receipt. */
  scheduledTime?: bigint;
  /** Ask for acknowledges and collect them (default true). */
  ack?: boolean;
  /** How long to collect acks (default 200 ms). */
  timeoutMs?: number;
  localAddress?: string;
  port?: number;
}

export interface ActionAnswer {
  /** The device that answered. */
  address: string;
  status: number;
  statusName: string;
  /** Set when the device refused (e.g. ACTION_LATE, OVERFLOW, NO_REF_TIME). */
  error?: GvcpError;
}

export async function sendActionCommand(options: ActionCommandOptions): Promise<ActionAnswer[]> {
  if (!isIpv4(options.address))
    throw badArgument(`action address ${quoteInput(options.address)} is not an IPv4 address`, { address: quoteInput(options.address) });
  const wantAck = options.ack ?? true;
  const { flags, payload } = encodeActionCommand(
    {
      deviceKey: options.deviceKey,
      groupKey: options.groupKey,
      groupMask: options.groupMask,
      actionTime: options.scheduledTime,
    },
    wantAck,
  );
  const requestId = 1 + Math.floor(Math.random() * 0xfffe);
  const packet = encodeCommand({ command: Command.ACTION, flags, requestId, payload });
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ address: options.localAddress, port: 0 }, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  socket.setBroadcast(true);
  const answers = new Map<string, ActionAnswer>();
  socket.on('error', () => undefined);
  socket.on('message', (msg, rinfo) => {
    try {
      if (isCommandPacket(msg)) return;
      const ack = decodeAck(msg);
      if (ack.ackId !== requestId) return;
      if (ack.answer !== Ack.ACTION && ack.status === 0) return;
      if (answers.has(rinfo.address)) return;
      answers.set(rinfo.address, {
        address: rinfo.address,
        status: ack.status,
        statusName: statusName(ack.status),
        error: ack.status
          ? new GvcpError('GVCP_STATUS', `${rinfo.address}: ACTION refused: ${describeStatus(ack.status)}`, {
              status: ack.status,
              device: rinfo.address,
            })
          : undefined,
      });
    } catch {
      // A malformed answer is not an acknowledge; ignore it.
    }
  });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.send(packet, options.port ?? GVCP_PORT, options.address, (err) =>
        err
          ? reject(new GvcpError('GVCP_SOCKET', `sending ACTION to ${options.address} failed: ${err.message}`, {}, { cause: err }))
          : resolve(),
      );
    });
    if (wantAck) await new Promise((r) => setTimeout(r, options.timeoutMs ?? 200));
  } finally {
    await new Promise<void>((r) => socket.close(() => r()));
  }
  return [...answers.values()];
}
