/**
 * The largest GVSP packet size that reaches this host unfragmented, found the way GigE Vision
 * provides for: the camera fires a test packet of exactly GevSCPSPacketSize bytes (SCPS bit 31)
 * with "do not fragment" set (bit 30) to the stream channel's destination; a size that arrives
 * whole fits every link on the path, a size that does not (dropped at a link with a smaller MTU,
 * or refused by the camera's own stack) does not. Bisection over the camera's sizes (its minimum,
 * maximum and step) finds the largest that arrives — at most the MTU of the host interface the
 * camera is reached through, since nothing larger can arrive unfragmented.
 *
 * It borrows stream channel 0 (destination, port, packet size), so it needs control access and no
 * running acquisition; every register it touched is restored before it returns. Bounded: each size
 * is fired at most `attempts` times and waited for `timeoutMs` each; about 2 + log2(range/step)
 * sizes are tried.
 */
import dgram from 'node:dgram';
import { Bootstrap, Scps, StreamChannelRegister } from './protocol';
import type { ControlChannel } from './control-channel';
import { GvcpError, badArgument } from './errors';
import { ipToNumber } from './address';
import { listIPv4Interfaces } from './interfaces';

/** IP (20) + UDP (8) headers: a test packet of SCPS bytes carries SCPS − 28 bytes of UDP payload. */
const IP_UDP_HEADERS = 28;
const SC0 = Bootstrap.SC0;

export interface PacketSizeOptions {
  channel: ControlChannel;
  /** The host address the camera streams to (default: the control channel's local address). */
  localAddress?: string;
  /** The camera's range and step for GevSCPSPacketSize (default 576 … 9000, step 4). */
  min?: number;
  max?: number;
  increment?: number;
  /** Wait for each test packet (default 300 ms); tries per size (default 2). */
  timeoutMs?: number;
  attempts?: number;
}

export interface PacketSizeProbe {
  size: number;
  arrived: boolean;
  /** Why it did not (the camera refused the size, or nothing came). */
  detail?: string;
}

export interface PacketSizeResult {
  /** The largest size that arrived. */
  packetSize: number;
  /** What bounded it: the host interface's MTU, the camera's maximum, or a link on the path. */
  limitedBy: 'host-mtu' | 'camera' | 'path';
  hostInterface?: string;
  hostMtu?: number;
  probes: PacketSizeProbe[];
}

/** The MTU of the interface holding `address`, if known. */
function interfaceOf(address: string): { name: string; mtu?: number } | undefined {
  const iface = listIPv4Interfaces().find((i) => i.address === address);
  return iface ? { name: iface.name, mtu: iface.mtu } : undefined;
}

export async function negotiatePacketSize(options: PacketSizeOptions): Promise<PacketSizeResult> {
  const { channel } = options;
  const localAddress = options.localAddress ?? channel.localEndpoint().address;
  const increment = Math.max(1, options.increment ?? 4);
  const cameraMin = Math.max(IP_UDP_HEADERS + 8, options.min ?? 576);
  const cameraMax = options.max ?? 9000;
  if (!Number.isInteger(cameraMin) || !Number.isInteger(cameraMax) || cameraMax < cameraMin) {
    throw badArgument(`packet size range ${cameraMin} … ${cameraMax} is empty`, { min: cameraMin, max: cameraMax });
  }
  const host = interfaceOf(localAddress);
  const hostLimit = host?.mtu && host.mtu >= cameraMin ? host.mtu : undefined;
  const upper = align(Math.min(cameraMax, hostLimit ?? cameraMax), cameraMin, increment);
  const timeoutMs = Math.max(20, options.timeoutMs ?? 300);
  const attempts = Math.max(1, Math.min(5, options.attempts ?? 2));

  const saved = await channel.readRegisters([
    SC0 + StreamChannelRegister.SCP,
    SC0 + StreamChannelRegister.SCDA,
    SC0 + StreamChannelRegister.SCPS,
  ]);
  const receiver = await TestPacketReceiver.open(localAddress, channel.address);
  const probes: PacketSizeProbe[] = [];
  try {
    await channel.writeRegister(SC0 + StreamChannelRegister.SCDA, ipToNumber(localAddress));
    await channel.writeRegister(SC0 + StreamChannelRegister.SCP, receiver.port);
    const keptBits = saved[2] & Scps.BIG_ENDIAN;
    const fire = async (size: number): Promise<PacketSizeProbe> => {
      try {
        await channel.writeRegister(SC0 + StreamChannelRegister.SCPS, (keptBits | Scps.DO_NOT_FRAGMENT | size) >>> 0);
      } catch (err) {
        return { size, arrived: false, detail: `the camera refused it: ${(err as Error).message}` };
      }
      // The camera may round the size to its step: the packet it fires has the size it took.
      const actual = (await channel.readRegister(SC0 + StreamChannelRegister.SCPS)) & Scps.SIZE_MASK;
      for (let i = 0; i < attempts; i += 1) {
        const arriving = receiver.expect(actual - IP_UDP_HEADERS, timeoutMs);
        await channel
          .writeRegister(SC0 + StreamChannelRegister.SCPS, (keptBits | Scps.DO_NOT_FRAGMENT | Scps.FIRE_TEST_PACKET | actual) >>> 0)
          .catch((err: Error) => {
            receiver.cancel();
            throw err;
          });
        if (await arriving) return { size: actual, arrived: true };
      }
      return { size: actual, arrived: false, detail: `no test packet of ${actual} bytes arrived in ${attempts} tries` };
    };
    const tried = async (size: number): Promise<PacketSizeProbe> => {
      const probe = await fire(size);
      probes.push(probe);
      return probe;
    };

    const top = await tried(upper);
    if (top.arrived) {
      return {
        packetSize: top.size,
        limitedBy: hostLimit !== undefined && hostLimit <= cameraMax ? 'host-mtu' : 'camera',
        hostInterface: host?.name,
        hostMtu: host?.mtu,
        probes,
      };
    }
    const bottom = await tried(cameraMin);
    if (!bottom.arrived) {
      throw new GvcpError(
        'STREAM_BLOCKED',
        `no test packet from ${channel.address} reached ${localAddress}, not even at the smallest size ${cameraMin}: ` +
          'a firewall on this host drops the stream (GVSP, UDP from the camera), or the camera does not fire test packets',
        { address: channel.address, localAddress },
      );
    }
    let good = bottom.size;
    let bad = top.size;
    while (bad - good > increment) {
      const mid = align(good + Math.floor((bad - good) / 2), cameraMin, increment);
      if (mid <= good || mid >= bad) break;
      const probe = await tried(mid);
      if (probe.arrived) good = probe.size;
      else bad = mid;
    }
    return { packetSize: good, limitedBy: 'path', hostInterface: host?.name, hostMtu: host?.mtu, probes };
  } finally {
    receiver.close();
    // Whatever happened, the stream channel is as it was (closed, normally).
    await channel
      .writeRegisters([
        { address: SC0 + StreamChannelRegister.SCP, value: saved[0] },
        { address: SC0 + StreamChannelRegister.SCDA, value: saved[1] },
        { address: SC0 + StreamChannelRegister.SCPS, value: (saved[2] & ~Scps.FIRE_TEST_PACKET) >>> 0 },
      ])
      .catch(() => undefined);
  }
}

/** Round `size` down to the camera's grid min + k·increment. */
function align(size: number, min: number, increment: number): number {
  return size < min ? min : min + Math.floor((size - min) / increment) * increment;
}

/** A UDP socket that waits for a datagram of one exact length from the camera. */
class TestPacketReceiver {
  private waiting: { length: number; resolve: (ok: boolean) => void; timer: NodeJS.Timeout } | null = null;

  private constructor(
    private readonly socket: dgram.Socket,
    camera: string,
  ) {
    socket.on('error', () => undefined);
    socket.on('message', (msg, rinfo) => {
      const w = this.waiting;
      if (!w || rinfo.address !== camera || msg.length !== w.length) return;
      this.settle(true);
    });
  }

  static async open(localAddress: string, camera: string): Promise<TestPacketReceiver> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', (err) =>
        reject(new GvcpError('GVCP_SOCKET', `packet size test: cannot bind ${localAddress}: ${err.message}`, {}, { cause: err })),
      );
      socket.bind({ address: localAddress, port: 0 }, () => resolve());
    });
    return new TestPacketReceiver(socket, camera);
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** Resolves true when a datagram of `length` bytes arrives within `timeoutMs`, else false. */
  expect(length: number, timeoutMs: number): Promise<boolean> {
    this.settle(false);
    return new Promise((resolve) => {
      this.waiting = { length, resolve, timer: setTimeout(() => this.settle(false), timeoutMs) };
    });
  }

  cancel(): void {
    this.settle(false);
  }

  private settle(ok: boolean): void {
    const w = this.waiting;
    if (!w) return;
    this.waiting = null;
    clearTimeout(w.timer);
    w.resolve(ok);
  }

  close(): void {
    this.settle(false);
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }
}
