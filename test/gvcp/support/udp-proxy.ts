/**
 * A UDP proxy between a GVCP client and a device on loopback, which can drop, delay or duplicate
 * datagrams in either direction — to test retries, late acks and duplicate tolerance over real
 * sockets. The client talks to the proxy's address:port; the proxy talks to the device from a
 * second socket and relays answers back.
 */
import dgram from 'node:dgram';

export type Direction = 'toDevice' | 'toClient';

export interface ProxyRule {
  /** Return 'drop', 'duplicate', a delay in ms, or undefined to forward as is. */
  (packet: Buffer, direction: Direction, index: number): 'drop' | 'duplicate' | number | undefined;
}

export class UdpProxy {
  private client: dgram.RemoteInfo | null = null;
  private counts: Record<Direction, number> = { toDevice: 0, toClient: 0 };
  readonly log: Array<{ direction: Direction; packet: Buffer; action: string }> = [];
  private timers = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly front: dgram.Socket,
    private readonly back: dgram.Socket,
    private readonly device: { address: string; port: number },
    public rule: ProxyRule,
  ) {
    front.on('message', (msg, rinfo) => {
      this.client = rinfo;
      this.relay(msg, 'toDevice');
    });
    back.on('message', (msg) => this.relay(msg, 'toClient'));
  }

  static async start(
    listenAddress: string,
    device: { address: string; port: number },
    rule: ProxyRule = () => undefined,
  ): Promise<UdpProxy> {
    const bind = (address: string): Promise<dgram.Socket> =>
      new Promise((resolve, reject) => {
        const s = dgram.createSocket('udp4');
        s.once('error', reject);
        s.bind({ address, port: 0 }, () => resolve(s));
      });
    return new UdpProxy(await bind(listenAddress), await bind(listenAddress), device, rule);
  }

  get address(): string {
    return this.front.address().address;
  }

  get port(): number {
    return this.front.address().port;
  }

  private relay(packet: Buffer, direction: Direction): void {
    const index = this.counts[direction]++;
    const action = this.rule(packet, direction, index);
    this.log.push({ direction, packet: Buffer.from(packet), action: String(action ?? 'forward') });
    if (action === 'drop') return;
    const send = (): void => {
      if (direction === 'toDevice') this.back.send(packet, this.device.port, this.device.address);
      else if (this.client) this.front.send(packet, this.client.port, this.client.address);
    };
    if (typeof action === 'number') {
      const t = setTimeout(() => {
        this.timers.delete(t);
        send();
      }, action);
      this.timers.add(t);
      return;
    }
    send();
    if (action === 'duplicate') send();
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    await Promise.all([this.front, this.back].map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}
