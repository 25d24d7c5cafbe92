/**
 * The UDP sockets GVCP arrives on: the control socket on `<device address>:3956` (which every ack
 * leaves from) and the broadcast listeners for DISCOVERY, FORCEIP and ACTION_CMD — the fixed ones
 * (127.255.255.255, 255.255.255.255, shared with other devices through SO_REUSEADDR) and the
 * directed broadcast of the device's own subnet, which follows FORCEIP moves.
 */
import dgram from 'node:dgram';
import { GigeError } from '../../errors';

export type PacketHandler = (msg: Buffer, rinfo: dgram.RemoteInfo, viaBroadcast: boolean) => void;

export class GvcpSockets {
  private control: dgram.Socket | null = null;
  private readonly broadcasts: dgram.Socket[] = [];
  private subnet: dgram.Socket | null = null;

  constructor(
    private readonly port: number,
    private readonly onPacket: PacketHandler,
    private readonly onWarning: (err: Error) => void,
  ) {}

  /** (Re)bind the control socket at `address`; the old one closes once the new one is bound. */
  async bindControl(address: string): Promise<void> {
    const socket = await this.bind(address, false);
    const old = this.control;
    this.control = socket;
    if (old) await closeSocket(old);
  }

  /** Listen on a fixed broadcast address. */
  async listen(broadcast: string): Promise<void> {
    this.broadcasts.push(await this.bind(broadcast, true));
  }

  /** Listen on the subnet's directed broadcast (`null`: on none); replaces the previous one. */
  async listenSubnet(broadcast: string | null): Promise<void> {
    const old = this.subnet;
    this.subnet = null;
    if (old) await closeSocket(old);
    if (broadcast) this.subnet = await this.bind(broadcast, true);
  }

  /** The broadcast addresses listened on now (fixed ones, then the subnet's). */
  listening(): string[] {
    return [...this.broadcasts, ...(this.subnet ? [this.subnet] : [])].map((s) => s.address().address);
  }

  /** Send from the control socket (source = device IP:3956). */
  send(packet: Buffer, address: string, port: number): void {
    this.control?.send(packet, port, address, (err) => {
      if (err) this.onWarning(err);
    });
  }

  async close(): Promise<void> {
    const sockets = [this.control, this.subnet, ...this.broadcasts].filter((s): s is dgram.Socket => s !== null);
    this.control = null;
    this.subnet = null;
    this.broadcasts.length = 0;
    await Promise.all(sockets.map(closeSocket));
  }

  private async bind(address: string, broadcastListener: boolean): Promise<dgram.Socket> {
    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: broadcastListener });
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => {
        socket.close();
        const code = (err as NodeJS.ErrnoException).code;
        const why =
          code === 'EADDRINUSE'
            ? ` (${broadcastListener ? 'another program holds it exclusively' : 'another emulator already uses this address; pick another 127.x address'})`
            : code === 'EADDRNOTAVAIL'
              ? ` (${address} is not an address of this host; add it to the interface the emulator should serve first, e.g. ip addr add ${address}/24 dev <interface>)`
              : '';
        reject(
          new GigeError(
            'EMULATOR_BIND',
            `emulator cannot listen on ${address}:${this.port}: ${err.message}${why}`,
            {
              address,
              port: this.port,
            },
            { cause: err },
          ),
        );
      };
      socket.once('error', onError);
      socket.bind({ address, port: this.port, exclusive: !broadcastListener }, () => {
        socket.off('error', onError);
        resolve();
      });
    });
    socket.on('error', (err) => this.onWarning(err));
    socket.on('message', (msg, rinfo) => this.onPacket(msg, rinfo, broadcastListener));
    if (!broadcastListener) socket.setBroadcast(true);
    return socket;
  }
}

function closeSocket(socket: dgram.Socket): Promise<void> {
  return new Promise<void>((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}
