/**
 * A monitor's view of a camera's stream: read-only access may not open the stream channel, so a
 * monitor receives what the controlling application set up — a multicast group (GevSCDA) and port
 * (GevSCP) that every host on the link may join. It follows the channel as the controller changes
 * it: reads SCP/SCDA/SCPS/SCSP every `pollMs`, and (re)opens a receiver that joins the group on the
 * interface facing the camera whenever they change; a closed channel closes the receiver. Nothing
 * is ever written to the camera.
 */
import { GigeError } from '../errors';
import { Bootstrap, GVSP_CAPABILITY_SCSP, StreamChannelRegister, Scps, numberToIp } from '../gvcp';
import type { ControlChannel } from '../gvcp';
import { openStream, Stream } from '../stream';

const SC0 = Bootstrap.SC0;

export interface MonitorStreamOptions {
  channel: ControlChannel;
  cameraAddress: string;
  /** The host address facing the camera: the group is joined on its interface. */
  localAddress: string;
  payloadSize: () => Promise<number>;
  bufferCount?: number;
  memoryLimit?: number;
  pollMs?: number;
  /** A receiver opened (a Stream) or closed (null). */
  onStream(stream: Stream | null): void;
  onWarning(err: GigeError): void;
}

export function isMulticast(ip: string): boolean {
  const first = Number(ip.split('.')[0]);
  return first >= 224 && first <= 239;
}

export class MonitorStream {
  private stream: Stream | null = null;
  private current = '';
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private syncing: Promise<void> = Promise.resolve();
  private warned = '';

  constructor(private readonly o: MonitorStreamOptions) {}

  /** First look at the channel (opens the receiver when the controller streams to a group), then follows it. */
  async start(): Promise<void> {
    await this.syncNow();
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.syncing;
    await this.replace(null);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.syncNow()
        .catch(() => undefined)
        .finally(() => this.schedule());
    }, this.o.pollMs ?? 1000);
  }

  private syncNow(): Promise<void> {
    this.syncing = this.syncing
      .then(() => this.sync())
      .catch((err: Error) =>
        this.warnOnce(new GigeError('MONITOR_STREAM', `monitor of ${this.o.cameraAddress}: ${err.message}`, {}, { cause: err })),
      );
    return this.syncing;
  }

  private async sync(): Promise<void> {
    if (this.stopped) return;
    const ch = this.o.channel;
    const [scp, scda, scps] = await ch.readRegisters([
      SC0 + StreamChannelRegister.SCP,
      SC0 + StreamChannelRegister.SCDA,
      SC0 + StreamChannelRegister.SCPS,
    ]);
    const port = scp & 0xffff;
    const group = numberToIp(scda);
    const packetSize = scps & Scps.SIZE_MASK;
    const key = port === 0 ? '' : `${group}:${port}:${packetSize}`;
    if (key === this.current) return;
    if (port !== 0 && !isMulticast(group)) {
      this.current = key;
      await this.replace(null);
      this.warnOnce(
        new GigeError(
          'MONITOR_UNICAST',
          `camera ${this.o.cameraAddress} streams to ${group} alone (unicast): a monitor receives only a multicast stream; ` +
            'give the controlling application a multicast group (e.g. 239.192.0.1)',
          { destination: group },
        ),
      );
      return;
    }
    let stream: Stream | null = null;
    if (port !== 0) {
      const sourcePort =
        (await ch.readRegister(Bootstrap.GVSP_CAPABILITY)) & GVSP_CAPABILITY_SCSP
          ? (await ch.readRegister(SC0 + StreamChannelRegister.SCSP)) & 0xffff
          : 0;
      stream = openStream({
        bindAddress: this.o.localAddress,
        bindPort: port,
        multicastGroup: group,
        deviceAddress: this.o.cameraAddress,
        sourcePort,
        packetSize,
        maxPayloadSize: await this.o.payloadSize(),
        bufferCount: this.o.bufferCount,
        memoryLimit: this.o.memoryLimit,
      });
    }
    this.current = key;
    if (this.stopped) {
      await stream?.close();
      return;
    }
    await this.replace(stream);
  }

  private async replace(next: Stream | null): Promise<void> {
    const old = this.stream;
    this.stream = next;
    if (old === next) return;
    if (old) await old.close();
    this.o.onStream(next);
  }

  private warnOnce(err: GigeError): void {
    if (err.message === this.warned) return;
    this.warned = err.message;
    this.o.onWarning(err);
  }
}
