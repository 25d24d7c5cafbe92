/**
 * GVCP discovery: DISCOVERY_CMD by unicast to one address and/or by broadcast to a given broadcast
 * address, collecting DISCOVERY_ACKs for `timeoutMs`. Each answer is decoded (identity + network
 * configuration) and de-duplicated by MAC and address.
 *
 * Safety: this module sends only where it is told to (no implicit 255.255.255.255), a fixed small
 * number of packets (`attempts`, default 2), and stops listening after `timeoutMs`.
 */
import dgram from 'node:dgram';
import { Command, Flag, GVCP_PORT } from './protocol';
import { DeviceIdentityInfo, decodeAck, decodeDiscoveryAck, encodeCommand, isCommandPacket } from './codec';
import { GvcpError, badArgument } from './errors';
import { isIpv4 } from './address';

export interface DiscoverOptions {
  /** Broadcast address to send to, e.g. 127.255.255.255 (tests) or an interface's subnet broadcast. */
  broadcast?: string;
  /** Unicast address of one device. */
  address?: string;
  /** Local address to bind (selects the interface); the OS chooses when absent. */
  localAddress?: string;
  /** Local port to bind (0 = ephemeral). */
  localPort?: number;
  /** How long to collect answers (default 1000 ms). */
  timeoutMs?: number;
  /** Device port (3956). */
  port?: number;
  /** Ask devices to broadcast their ack (reaches us even from a foreign subnet). Default false. */
  allowBroadcastAck?: boolean;
  /** Number of DISCOVERY packets per destination, spaced over the first half of the wait (default 2). */
  attempts?: number;
}

export interface DiscoveredDevice extends DeviceIdentityInfo {
  /** Where the ack came from (normally the device's IP). */
  sourceAddress: string;
  sourcePort: number;
  /** Local address of the socket that received the ack. */
  localAddress: string;
}

export async function discover(options: DiscoverOptions): Promise<DiscoveredDevice[]> {
  const destinations = [options.broadcast, options.address].filter((d): d is string => typeof d === 'string');
  if (destinations.length === 0) {
    throw badArgument('discover needs a broadcast address (e.g. 127.255.255.255) or a device address', {});
  }
  for (const d of destinations) {
    if (!isIpv4(d)) throw badArgument(`"${d}" is not an IPv4 address`, { address: d });
  }
  const timeoutMs = options.timeoutMs ?? 1000;
  const attempts = Math.max(1, Math.min(5, options.attempts ?? 2));
  const port = options.port ?? GVCP_PORT;
  const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  const found = new Map<string, DiscoveredDevice>();
  const warnings: Error[] = [];

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => reject(new GvcpError('GVCP_SOCKET', `discovery: cannot bind${options.localAddress ? ` on ${options.localAddress}` : ''}: ${err.message}`, {}, { cause: err }));
    socket.once('error', onError);
    socket.bind({ address: options.localAddress, port: options.localPort ?? 0 }, () => { socket.off('error', onError); resolve(); });
  });
  socket.on('error', (err) => warnings.push(err));
  if (options.broadcast) socket.setBroadcast(true);
  const local = socket.address().address;
  const requestId = 1 + Math.floor(Math.random() * 0xfffe);
  const packet = encodeCommand({
    command: Command.DISCOVERY,
    flags: Flag.ACK_REQUIRED | (options.allowBroadcastAck ? Flag.ALLOW_BROADCAST_ACK : 0),
    requestId,
  });

  socket.on('message', (msg, rinfo) => {
    try {
      if (isCommandPacket(msg)) return; // our own broadcast looping back, or another host's discovery
      const ack = decodeAck(msg);
      if (ack.answer !== Command.DISCOVERY + 1 || ack.ackId !== requestId || ack.status !== 0) return;
      const info = decodeDiscoveryAck(ack.payload);
      const key = `${info.macAddress}/${info.ipAddress}/${rinfo.address}`;
      if (!found.has(key)) found.set(key, { ...info, sourceAddress: rinfo.address, sourcePort: rinfo.port, localAddress: local });
    } catch (err) {
      warnings.push(err as Error);
    }
  });

  const timers: NodeJS.Timeout[] = [];
  const sendAll = (): void => {
    for (const d of destinations) {
      socket.send(packet, port, d, (err) => { if (err) warnings.push(err); });
    }
  };
  sendAll();
  for (let i = 1; i < attempts; i += 1) timers.push(setTimeout(sendAll, Math.floor((timeoutMs / 2) * (i / attempts))));
  await new Promise((r) => setTimeout(r, timeoutMs));
  for (const t of timers) clearTimeout(t);
  await new Promise<void>((r) => socket.close(() => r()));
  if (found.size === 0 && warnings.length > 0 && warnings.every((w) => !(w instanceof GvcpError))) {
    const w = warnings[0];
    throw new GvcpError('GVCP_SOCKET', `discovery to ${destinations.join(', ')} failed: ${w.message}`, {}, { cause: w });
  }
  return [...found.values()];
}
