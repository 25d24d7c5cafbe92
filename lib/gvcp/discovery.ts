/**
 * GVCP discovery.
 *
 * - `discover()`: DISCOVERY_CMD by unicast to one address and/or by broadcast to a given broadcast
 *   address, collecting DISCOVERY_ACKs for `timeoutMs`.
 * - `discoverOnInterfaces()`: one socket per chosen interface, DISCOVERY to the interface's directed
 *   broadcast (and, only when asked, to 255.255.255.255 through that interface), with "broadcast
 *   ack allowed" so a camera on a foreign subnet can still answer. Each result says whether the
 *   camera can be controlled from that interface and, if not, what to do (FORCEIP).
 *
 * Safety: this module sends only where it is told to (no implicit 255.255.255.255), a fixed small
 * number of packets (`attempts`, default 2, at most 5), and stops listening after `timeoutMs`.
 */
import dgram from 'node:dgram';
import { Command, Flag, GVCP_PORT } from './protocol';
import { DeviceIdentityInfo, decodeAck, decodeDiscoveryAck, encodeCommand, isCommandPacket } from './codec';
import { GvcpError, badArgument, checkPort } from './errors';
import { quoteInput } from '../errors';
import { isIpv4, sameSubnet } from './address';
import { NetworkInterfaceInfo, listIPv4Interfaces, suggestAddress } from './interfaces';

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
  /** Stop as soon as this many devices answered (e.g. 1 for a unicast probe). */
  expected?: number;
}

export interface DiscoveredDevice extends DeviceIdentityInfo {
  /** Where the ack came from (normally the device's IP). */
  sourceAddress: string;
  sourcePort: number;
  /** Local address of the socket that received the ack. */
  localAddress: string;
}

interface Listener {
  sockets: dgram.Socket[];
  sendFrom: dgram.Socket;
  destinations: string[];
  onDevice: (d: DiscoveredDevice) => void;
}

async function bindUdp(address: string | undefined, port: number): Promise<dgram.Socket> {
  const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => {
      socket.close();
      reject(new GvcpError('GVCP_SOCKET', `discovery: cannot bind ${address ?? '0.0.0.0'}:${port}: ${err.message}`, {}, { cause: err }));
    };
    socket.once('error', onError);
    socket.bind({ address, port }, () => {
      socket.off('error', onError);
      resolve();
    });
  });
  return socket;
}

/** Send DISCOVERY from each listener to its destinations and collect acks for `timeoutMs`. */
async function run(
  listeners: Listener[],
  options: { timeoutMs: number; attempts: number; port: number; allowBroadcastAck: boolean; done?: () => boolean },
): Promise<Error[]> {
  const warnings: Error[] = [];
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const requestId = 1 + Math.floor(Math.random() * 0xfffe);
  const packet = encodeCommand({
    command: Command.DISCOVERY,
    flags: Flag.ACK_REQUIRED | (options.allowBroadcastAck ? Flag.ALLOW_BROADCAST_ACK : 0),
    requestId,
  });
  for (const l of listeners) {
    for (const s of l.sockets) {
      s.on('error', (err) => warnings.push(err));
      s.on('message', (msg, rinfo) => {
        try {
          if (isCommandPacket(msg)) return; // our own broadcast looping back, or another host's discovery
          const ack = decodeAck(msg);
          if (ack.answer !== Command.DISCOVERY + 1 || ack.ackId !== requestId || ack.status !== 0) return;
          const info = decodeDiscoveryAck(ack.payload);
          l.onDevice({ ...info, sourceAddress: rinfo.address, sourcePort: rinfo.port, localAddress: l.sendFrom.address().address });
          if (options.done?.()) finish();
        } catch (err) {
          warnings.push(err as Error);
        }
      });
    }
    l.sendFrom.setBroadcast(true);
  }
  const sendAll = (): void => {
    for (const l of listeners) {
      for (const d of l.destinations) {
        // send() can also throw at once (a bad destination): that is a warning, and the sockets
        // below still close.
        try {
          l.sendFrom.send(packet, options.port, d, (err) => {
            if (err) warnings.push(err);
          });
        } catch (err) {
          warnings.push(err as Error);
        }
      }
    }
  };
  const timers: NodeJS.Timeout[] = [];
  sendAll();
  for (let i = 1; i < options.attempts; i += 1)
    timers.push(setTimeout(sendAll, Math.floor((options.timeoutMs / 2) * (i / options.attempts))));
  timers.push(setTimeout(finish, options.timeoutMs));
  await finished;
  for (const t of timers) clearTimeout(t);
  await Promise.all(listeners.flatMap((l) => l.sockets).map((s) => new Promise<void>((r) => s.close(() => r()))));
  return warnings;
}

export async function discover(options: DiscoverOptions): Promise<DiscoveredDevice[]> {
  const destinations = [options.broadcast, options.address].filter((d): d is string => typeof d === 'string');
  if (destinations.length === 0) {
    throw badArgument('discover needs a broadcast address (e.g. 127.255.255.255) or a device address', {});
  }
  for (const d of destinations) {
    if (!isIpv4(d)) throw badArgument(`${quoteInput(d)} is not an IPv4 address`, { address: quoteInput(d) });
  }
  checkPort(options.port, 'port');
  const socket = await bindUdp(options.localAddress, options.localPort ?? 0);
  const found = new Map<string, DiscoveredDevice>();
  const warnings = await run(
    [
      {
        sockets: [socket],
        sendFrom: socket,
        destinations,
        onDevice: (d) => {
          const key = `${d.macAddress}/${d.ipAddress}/${d.sourceAddress}`;
          if (!found.has(key)) found.set(key, d);
        },
      },
    ],
    {
      timeoutMs: options.timeoutMs ?? 1000,
      attempts: Math.max(1, Math.min(5, options.attempts ?? 2)),
      port: options.port ?? GVCP_PORT,
      allowBroadcastAck: options.allowBroadcastAck ?? false,
      done: options.expected ? () => found.size >= options.expected! : undefined,
    },
  );
  if (found.size === 0 && warnings.length > 0 && warnings.every((w) => !(w instanceof GvcpError))) {
    throw new GvcpError(
      'GVCP_SOCKET',
      `discovery to ${destinations.join(', ')} failed: ${warnings[0].message}`,
      {},
      { cause: warnings[0] },
    );
  }
  return [...found.values()];
}

// Per-interface discovery ---------------------------------------------------------------------

export interface InterfaceDiscoverOptions {
  /** Interface names to use (e.g. ['eth1']); default: every non-loopback IPv4 interface that is up. */
  interfaces?: string[];
  /** Also send to 255.255.255.255 through each interface (finds cameras with a wrong subnet). Default false. */
  limitedBroadcast?: boolean;
  timeoutMs?: number;
  attempts?: number;
  port?: number;
  /** For tests: the interface list to use instead of the host's. */
  interfaceList?: NetworkInterfaceInfo[];
}

export interface InterfaceDiscoveredDevice extends DiscoveredDevice {
  interface: NetworkInterfaceInfo;
  /** True when the camera and the interface share a subnet both ways, so control over unicast works. */
  reachable: boolean;
  /** Why not, and what to do about it (undefined when reachable). */
  problem?: string;
  advice?: string;
}

/** Can the host on `iface` control a camera at `ip`/`mask`? Both must see each other as on-link. */
export function reachability(
  device: Pick<DeviceIdentityInfo, 'ipAddress' | 'subnetMask' | 'macAddress'>,
  iface: NetworkInterfaceInfo,
): { reachable: boolean; problem?: string; advice?: string } {
  const inIfaceSubnet = sameSubnet(device.ipAddress, iface.address, iface.netmask);
  const hostInDeviceSubnet = device.subnetMask !== '0.0.0.0' && sameSubnet(device.ipAddress, iface.address, device.subnetMask);
  if (device.ipAddress !== '0.0.0.0' && inIfaceSubnet && hostInDeviceSubnet) return { reachable: true };
  const suggestion = suggestAddress(iface);
  const problem =
    device.ipAddress === '0.0.0.0'
      ? `camera ${device.macAddress} has no IP address yet`
      : !inIfaceSubnet
        ? `camera ${device.ipAddress}/${device.subnetMask} is not in the subnet of ${iface.name} (${iface.address}/${iface.prefix})`
        : `camera ${device.ipAddress} uses subnet mask ${device.subnetMask}, which does not include this host (${iface.address})`;
  const advice =
    `give it a temporary address on ${iface.name}'s subnet with FORCEIP` +
    ` (forceIp({ macAddress: '${device.macAddress}', ipAddress: '${suggestion ?? '<a free address>'}', subnetMask: '${iface.netmask}', broadcast: '${iface.broadcast}' }) — check the address is free),` +
    " or set a persistent IP in the camera, or add an address of the camera's subnet to this interface";
  return { reachable: false, problem, advice };
}

export async function discoverOnInterfaces(options: InterfaceDiscoverOptions = {}): Promise<InterfaceDiscoveredDevice[]> {
  checkPort(options.port, 'port');
  const all = options.interfaceList ?? listIPv4Interfaces();
  const chosen = options.interfaces
    ? options.interfaces.map((name) => {
        const i = all.find((x) => x.name === name);
        if (!i)
          throw badArgument(
            `interface ${quoteInput(name)} has no IPv4 address; interfaces with one: ${all.map((x) => x.name).join(', ') || 'none'}`,
            { interface: name },
          );
        return i;
      })
    : all.filter((i) => !i.internal && i.operState !== 'down');
  const results = new Map<string, InterfaceDiscoveredDevice>();
  const listeners: Listener[] = [];
  const usedPorts = new Set<number>();
  try {
    for (const iface of chosen) {
      let sendFrom = await bindUdp(iface.address, 0);
      for (let tries = 0; usedPorts.has(sendFrom.address().port) && tries < 5; tries += 1) {
        await new Promise<void>((r) => sendFrom.close(() => r()));
        sendFrom = await bindUdp(iface.address, 0);
      }
      const port = sendFrom.address().port;
      usedPorts.add(port);
      // Broadcast acks (from cameras on a foreign subnet) arrive at 255.255.255.255:port, which a
      // socket bound to the interface address does not receive: listen on the wildcard too.
      const wildcard = await bindUdp('0.0.0.0', port);
      const destinations = [iface.broadcast, ...(options.limitedBroadcast ? ['255.255.255.255'] : [])];
      listeners.push({
        sockets: [sendFrom, wildcard],
        sendFrom,
        destinations,
        onDevice: (d) => {
          const key = `${iface.name}/${d.macAddress}/${d.ipAddress}`;
          if (!results.has(key)) results.set(key, { ...d, localAddress: iface.address, interface: iface, ...reachability(d, iface) });
        },
      });
    }
  } catch (err) {
    await Promise.all(listeners.flatMap((l) => l.sockets).map((s) => new Promise<void>((r) => s.close(() => r()))));
    throw err;
  }
  await run(listeners, {
    timeoutMs: options.timeoutMs ?? 1000,
    attempts: Math.max(1, Math.min(5, options.attempts ?? 2)),
    port: options.port ?? GVCP_PORT,
    allowBroadcastAck: true,
  });
  return [...results.values()];
}
