/**
 * FORCEIP (§1.6): give the device with a given MAC a temporary IP configuration — the fix for a
 * camera discovered on a foreign subnet. Sent to a broadcast address (the camera may not be
 * reachable by unicast yet) with "broadcast ack allowed", once per attempt, bounded.
 */
import dgram from 'node:dgram';
import { Ack, Command, Flag, GVCP_PORT, describeStatus } from './protocol';
import { decodeAck, encodeCommand, encodeForceIpCommand, isCommandPacket } from './codec';
import { GvcpError, badArgument } from './errors';
import { quoteInput } from '../errors';
import { isIpv4, macFromString } from './address';

export interface ForceIpOptions {
  macAddress: string;
  ipAddress: string;
  subnetMask: string;
  gateway?: string;
  /** Where to send: a broadcast address of the interface facing the camera (tests: inside a namespace). */
  broadcast: string;
  localAddress?: string;
  /** Wait per attempt (default 1000 ms); attempts default 2. */
  timeoutMs?: number;
  attempts?: number;
  port?: number;
}

/** Resolves with the address the ack came from (the camera's new address). */
export async function forceIp(options: ForceIpOptions): Promise<{ address: string }> {
  macFromString(options.macAddress);
  for (const [name, v] of [
    ['ipAddress', options.ipAddress],
    ['subnetMask', options.subnetMask],
    ['broadcast', options.broadcast],
  ] as const) {
    if (!isIpv4(v)) throw badArgument(`FORCEIP ${name} ${quoteInput(v)} is not an IPv4 address`, { [name]: quoteInput(v) });
  }
  const requestId = 1 + Math.floor(Math.random() * 0xfffe);
  const packet = encodeCommand({
    command: Command.FORCEIP,
    flags: Flag.ACK_REQUIRED | Flag.ALLOW_BROADCAST_ACK,
    requestId,
    payload: encodeForceIpCommand({
      macAddress: options.macAddress,
      ipAddress: options.ipAddress,
      subnetMask: options.subnetMask,
      gateway: options.gateway ?? '0.0.0.0',
    }),
  });
  const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ address: options.localAddress, port: 0 }, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  socket.setBroadcast(true);
  socket.on('error', () => undefined);
  try {
    return await new Promise<{ address: string }>((resolve, reject) => {
      let attempt = 0;
      let timer: NodeJS.Timeout | null = null;
      const attempts = Math.max(1, Math.min(5, options.attempts ?? 2));
      const send = (): void => {
        attempt += 1;
        socket.send(packet, options.port ?? GVCP_PORT, options.broadcast);
        timer = setTimeout(() => {
          if (attempt < attempts) send();
          else
            reject(
              new GvcpError(
                'GVCP_TIMEOUT',
                `no FORCEIP answer from ${options.macAddress} via ${options.broadcast} after ${attempts} tries; is the camera on this link?`,
                { macAddress: options.macAddress },
              ),
            );
        }, options.timeoutMs ?? 1000);
      };
      socket.on('message', (msg, rinfo) => {
        try {
          if (isCommandPacket(msg)) return;
          const ack = decodeAck(msg);
          if (ack.ackId !== requestId) return;
          if (ack.answer !== Ack.FORCEIP && ack.status === 0) return;
          if (timer) clearTimeout(timer);
          if (ack.status)
            reject(
              new GvcpError('GVCP_STATUS', `${options.macAddress}: FORCEIP refused: ${describeStatus(ack.status)}`, { status: ack.status }),
            );
          else resolve({ address: rinfo.address });
        } catch {
          // not an acknowledge
        }
      });
      send();
    });
  } finally {
    await new Promise<void>((r) => socket.close(() => r()));
  }
}
