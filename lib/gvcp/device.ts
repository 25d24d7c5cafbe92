/**
 * A connected GigE Vision device: control channel + privilege + heartbeat + identity, and the
 * GenICam `Port` that GenApi reads and writes through.
 *
 * Heartbeat: every `heartbeatIntervalMs` (default a sixth of the device's heartbeat timeout) the
 * device reads CCP — the one command every device (Aravis' fake camera included) counts as a
 * heartbeat — together with the primary application port/IP when the device publishes them, so a
 * switchover to another application is noticed, not only silence.
 *
 * Loss (`'lost'`) is declared when the device has not answered for one heartbeat timeout less one
 * try, whatever the cause: no acks, or tries that cannot even be sent (ENETUNREACH with the host's
 * interface down, EPERM from a firewall). Until then a failing heartbeat keeps trying, so a blip
 * shorter than that costs nothing: the device, which waits as long, still has us as controller.
 * A native thread (keepalive.ts) keeps sending heartbeats while JavaScript is blocked; loss is
 * still judged here, by the acks JavaScript receives.
 */
import { EventEmitter } from 'node:events';
import type { Port } from '../genicam/port';
import { ControlChannel, ControlChannelOptions, TransactOptions } from './control-channel';
import { DeviceIdentityInfo, decodeDiscoveryAck, readFixedString } from './codec';
import {
  Bootstrap,
  BootstrapStringLength,
  Ccp,
  GVCP_DISCOVERY_ACK_LENGTH,
  GvcpCapability,
  GvcpConfiguration,
  GvcpStatus,
  HEARTBEAT_TIMEOUT_MIN_MS,
} from './protocol';
import { GvcpError, badArgument } from './errors';
import { quoteInput } from '../errors';
import { numberToIp } from './address';
import { ControlKeepAlive } from './keepalive';
import { WritePrefix, type PendingPrefix } from './write-prefix';
import type { RegisterWrite } from './codec';

export type AccessMode = 'exclusive' | 'control' | 'monitor';

export interface ConnectOptions extends Omit<ControlChannelOptions, 'address'> {
  address: string;
  /**
   * An open channel to use instead of a new one (not closed by `close()`): reconnecting from the
   * same socket, the device recognises its controller (IP + port) instead of refusing an
   * "other application" until its heartbeat timeout ends.
   */
  channel?: ControlChannel;
  /**
   * Release a control this channel may still hold before taking it (a reconnect after a loss
   * the device did not see): the device then starts from a clean state — streams and message
   * channel closed, parameters unlocked — as after an orderly close.
   */
  reclaim?: boolean;
  /** Keep control alive from a native thread while JavaScript is blocked (default true). */
  nativeKeepAlive?: boolean;
  /** exclusive: nobody else may even read; control: others may read (monitor); monitor: read only. */
  access?: AccessMode;
  /**
   * Heartbeat period; default a sixth of the device's heartbeat timeout (500 ms for 3 s): the
   * shorter it is, the longer a blip may last without being taken for a loss.
   */
  heartbeatIntervalMs?: number;
  /** Write this heartbeat timeout (ms, ≥ 500) to the device after taking control. */
  heartbeatTimeoutMs?: number;
  /** Take control from an application that enabled switchover with this 16-bit key. */
  switchoverKey?: number;
  /** Enable PENDING_ACK and the 2.0 status codes (ACTION_LATE, …) when the device offers them (default true). */
  enableDeviceFeatures?: boolean;
}

export interface GvcpDeviceInfo extends DeviceIdentityInfo {
  /** The address we talk to (the device's current IP as we reach it). */
  address: string;
  gvcpCapability: number;
  gvcpConfiguration: number;
  heartbeatTimeoutMs: number;
  messageChannels: number;
  streamChannels: number;
  actionSignals: number;
  timestampTickFrequency: bigint;
  firstUrl: string;
  secondUrl: string;
}

export interface ControlHolder {
  /** CCP bits as read: 0 open, 1 exclusive, 2 control (+4 switchover enabled). */
  ccp: number;
  access: 'open' | 'exclusive' | 'control';
  /** Primary application IP:port when the device publishes them (capability 0x08000000). */
  ip?: string;
  port?: number;
  /** True when that primary is this connection. */
  isUs: boolean;
}

export class GvcpDevice extends EventEmitter {
  readonly channel: ControlChannel;
  readonly access: AccessMode;
  info!: GvcpDeviceInfo;
  readonly port: Port;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private heartbeatBusy = false;
  private heartbeatIntervalMs = 1000;
  private lostError: GvcpError | null = null;
  private closing = false;
  private seenAsIp: string | undefined;
  /** When the device last answered a heartbeat (ms since epoch). */
  private lastAliveAt = Date.now();
  private keepAlive: ControlKeepAlive | null = null;
  private readonly ownsChannel: boolean;
  private readonly writePrefix = new WritePrefix();

  private constructor(channel: ControlChannel, access: AccessMode, ownsChannel: boolean) {
    super();
    this.channel = channel;
    this.access = access;
    this.ownsChannel = ownsChannel;
    this.port = {
      read: (address, length) => this.channel.readMemory(address, length),
      write: (address, data) => this.writePort(address, data),
    };
    channel.on('warning', (err) => this.emit('warning', err));
  }

  static async connect(options: ConnectOptions): Promise<GvcpDevice> {
    const access = options.access ?? 'control';
    if (!['exclusive', 'control', 'monitor'].includes(access)) {
      throw badArgument(`access ${quoteInput(access)} is not allowed; use exclusive, control or monitor`, { access: quoteInput(access) });
    }
    if (
      options.switchoverKey !== undefined &&
      (!Number.isInteger(options.switchoverKey) || options.switchoverKey < 0 || options.switchoverKey > 0xffff)
    ) {
      throw badArgument(`switchoverKey ${options.switchoverKey} is not a 16-bit key (0…65535)`, { switchoverKey: options.switchoverKey });
    }
    if (options.channel && (options.channel.isClosed || options.channel.address !== options.address)) {
      throw badArgument(
        `the channel given is ${options.channel.isClosed ? 'closed' : `to ${options.channel.address}, not ${options.address}`}`,
        {},
      );
    }
    const channel = options.channel ?? (await ControlChannel.open(options));
    const device = new GvcpDevice(channel, access, !options.channel);
    try {
      if (access !== 'monitor' && options.reclaim) await device.releaseStaleControl();
      if (access !== 'monitor') await device.takeControl(access, options.switchoverKey);
      await device.readInfo();
      if (access !== 'monitor') {
        if (options.heartbeatTimeoutMs !== undefined) await device.setHeartbeatTimeout(options.heartbeatTimeoutMs);
        if (options.enableDeviceFeatures !== false) await device.enableDeviceFeatures();
        if (device.info.gvcpCapability & GvcpCapability.CCP_APPLICATION_PORT_IP) {
          device.seenAsIp = numberToIp(await channel.readRegister(Bootstrap.PRIMARY_APPLICATION_IP));
        }
      }
      device.heartbeatIntervalMs = options.heartbeatIntervalMs ?? Math.max(100, Math.floor(device.info.heartbeatTimeoutMs / 6));
      if (access !== 'monitor' && options.nativeKeepAlive !== false) {
        device.keepAlive = ControlKeepAlive.start(channel, { registerAddress: Bootstrap.CCP, intervalMs: device.heartbeatIntervalMs });
      }
      device.lastAliveAt = Date.now();
      device.startHeartbeat();
      return device;
    } catch (err) {
      await device.close().catch(() => undefined);
      throw err;
    }
  }

  /**
   * Writes CCP = 0 from this channel: the device releases control if this channel (IP + port)
   * still holds it, and refuses (ignored here) if another application does.
   */
  private async releaseStaleControl(): Promise<void> {
    await this.channel.writeRegister(Bootstrap.CCP, Ccp.OPEN, { what: '0x0a00 (CCP: release a stale control)' }).catch((err: unknown) => {
      if (err instanceof GvcpError && (err.code === 'GVCP_TIMEOUT' || err.code === 'GVCP_SOCKET' || err.code === 'GVCP_CLOSED')) throw err;
    });
  }

  private async takeControl(access: 'exclusive' | 'control', switchoverKey?: number): Promise<void> {
    const value = (((switchoverKey ?? 0) << 16) | (access === 'exclusive' ? Ccp.EXCLUSIVE : Ccp.CONTROL)) >>> 0;
    try {
      await this.channel.writeRegister(Bootstrap.CCP, value, { what: '0x0a00 (CCP: take control)' });
    } catch (err) {
      if (err instanceof GvcpError && err.status === GvcpStatus.ACCESS_DENIED) {
        const holder = await this.controlHolder().catch(() => undefined);
        const who = holder?.ip ? ` (${holder.access} access held by ${holder.ip}:${holder.port})` : '';
        throw new GvcpError(
          'GVCP_ACCESS_DENIED',
          `${this.channel.address}: another application controls this camera${who}; connect with access 'monitor' to read only${switchoverKey === undefined ? ', or with the switchover key if the controller enabled switchover' : ''}`,
          {
            status: err.status,
            holder,
          },
          { cause: err },
        );
      }
      throw err;
    }
  }

  private async readInfo(): Promise<void> {
    const c = this.channel;
    const identity = decodeDiscoveryAck(await c.readMemory(0, GVCP_DISCOVERY_ACK_LENGTH));
    const gvcpCapability = await c.readRegister(Bootstrap.GVCP_CAPABILITY);
    if (!(gvcpCapability & GvcpCapability.CONCATENATION)) c.registersPerCommand = 1;
    const [messageChannels, streamChannels, heartbeatTimeoutMs, tickHigh, tickLow] = await this.readEach(
      [
        Bootstrap.NUMBER_OF_MESSAGE_CHANNELS,
        Bootstrap.NUMBER_OF_STREAM_CHANNELS,
        Bootstrap.HEARTBEAT_TIMEOUT,
        Bootstrap.TIMESTAMP_TICK_FREQUENCY_HIGH,
        Bootstrap.TIMESTAMP_TICK_FREQUENCY_LOW,
      ],
      gvcpCapability,
    );
    // Optional registers: older devices answer INVALID_ADDRESS.
    const actionSignals =
      gvcpCapability & GvcpCapability.ACTION ? await c.readRegister(Bootstrap.NUMBER_OF_ACTION_SIGNALS).catch(() => 0) : 0;
    const gvcpConfiguration = await c.readRegister(Bootstrap.GVCP_CONFIGURATION).catch(() => 0);
    const urls = await c.readMemory(Bootstrap.FIRST_URL, 2 * BootstrapStringLength.URL);
    this.info = {
      ...identity,
      address: c.address,
      gvcpCapability,
      gvcpConfiguration,
      heartbeatTimeoutMs,
      messageChannels,
      streamChannels,
      actionSignals,
      timestampTickFrequency: (BigInt(tickHigh) << 32n) | BigInt(tickLow),
      firstUrl: readFixedString(urls, 0, BootstrapStringLength.URL),
      secondUrl: readFixedString(urls, BootstrapStringLength.URL, BootstrapStringLength.URL),
    };
  }

  /** Several registers: one concatenated READREG when the device supports it, else one by one. */
  private async readEach(addresses: number[], gvcpCapability: number): Promise<number[]> {
    if (gvcpCapability & GvcpCapability.CONCATENATION) {
      return this.channel.readRegisters(addresses);
    }
    const out: number[] = [];
    for (const a of addresses) out.push(await this.channel.readRegister(a));
    return out;
  }

  private async setHeartbeatTimeout(ms: number): Promise<void> {
    if (!Number.isInteger(ms) || ms < HEARTBEAT_TIMEOUT_MIN_MS || ms > 0xffffffff) {
      throw badArgument(`heartbeatTimeoutMs ${ms} is not allowed; the device accepts ${HEARTBEAT_TIMEOUT_MIN_MS} ms or more`, {
        heartbeatTimeoutMs: ms,
      });
    }
    await this.channel.writeRegister(Bootstrap.HEARTBEAT_TIMEOUT, ms);
    this.info.heartbeatTimeoutMs = await this.channel.readRegister(Bootstrap.HEARTBEAT_TIMEOUT);
  }

  private async enableDeviceFeatures(): Promise<void> {
    let bits = 0;
    if (this.info.gvcpCapability & GvcpCapability.PENDING_ACK) bits |= GvcpConfiguration.PENDING_ACK_ENABLE;
    if (this.info.gvcpCapability & GvcpCapability.EXTENDED_STATUS_CODES_2_0) bits |= GvcpConfiguration.EXTENDED_STATUS_CODES_2_0;
    if (bits === 0 || (this.info.gvcpConfiguration & bits) === bits) return;
    const value = (this.info.gvcpConfiguration | bits) >>> 0;
    await this.channel.writeRegister(Bootstrap.GVCP_CONFIGURATION, value);
    this.info.gvcpConfiguration = value;
  }

  /** Who holds control right now (reads CCP and, when published, the primary's IP:port). */
  async controlHolder(): Promise<ControlHolder> {
    const caps = this.info?.gvcpCapability ?? (await this.channel.readRegister(Bootstrap.GVCP_CAPABILITY));
    let ccp: number;
    let ip: string | undefined;
    let port: number | undefined;
    if (caps & GvcpCapability.CCP_APPLICATION_PORT_IP && caps & GvcpCapability.CONCATENATION) {
      const [c, p, i] = await this.channel.readRegisters([
        Bootstrap.CCP,
        Bootstrap.PRIMARY_APPLICATION_PORT,
        Bootstrap.PRIMARY_APPLICATION_IP,
      ]);
      ccp = c;
      port = p & 0xffff;
      ip = numberToIp(i);
    } else {
      ccp = await this.channel.readRegister(Bootstrap.CCP);
    }
    const access = ccp & Ccp.EXCLUSIVE ? 'exclusive' : ccp & Ccp.CONTROL ? 'control' : 'open';
    const local = this.channel.localEndpoint();
    const isUs =
      access !== 'open' &&
      this.access !== 'monitor' &&
      !this.lostError &&
      (port === undefined || (port === local.port && (this.seenAsIp === undefined || ip === this.seenAsIp)));
    return { ccp, access, ip: access === 'open' ? undefined : ip, port: access === 'open' ? undefined : port, isUs };
  }

  /** Let another application take control with `key` (device capability 0x00200000). */
  async enableSwitchover(key: number): Promise<void> {
    if (this.access === 'monitor') throw badArgument('switchover needs control access; this connection is monitor (read-only)', {});
    if (!(this.info.gvcpCapability & GvcpCapability.PRIMARY_APPLICATION_SWITCHOVER)) {
      throw new GvcpError(
        'GVCP_UNSUPPORTED',
        `${this.channel.address}: the device does not offer control switchover (GVCP capability 0x00200000 not set)`,
        {},
      );
    }
    if (!Number.isInteger(key) || key < 0 || key > 0xffff) throw badArgument(`switchover key ${key} is not 16-bit (0…65535)`, { key });
    await this.channel.writeRegister(Bootstrap.CONTROL_SWITCHOVER_KEY, key);
    const base = this.access === 'exclusive' ? Ccp.EXCLUSIVE : Ccp.CONTROL;
    await this.channel.writeRegister(Bootstrap.CCP, base | Ccp.SWITCHOVER_ENABLE);
  }

  get lost(): GvcpError | null {
    return this.lostError;
  }

  private startHeartbeat(): void {
    const tick = (): void => {
      this.heartbeatTimer = setTimeout(() => {
        void this.heartbeat().finally(() => {
          if (!this.closing && !this.lostError) tick();
        });
      }, this.heartbeatIntervalMs);
    };
    tick();
  }

  /** Commands the native keep-alive sent while JavaScript was blocked (0 without it). */
  keepAliveStats(): { sent: number; sendErrors: number; active: boolean } {
    return { ...(this.keepAlive?.stats() ?? { sent: 0, sendErrors: 0 }), active: this.keepAlive !== null };
  }

  /** One heartbeat; resolves (never rejects). Emits `'lost'` once when the device is gone or control was taken. */
  async heartbeat(): Promise<void> {
    if (this.heartbeatBusy || this.closing || this.lostError) return;
    this.heartbeatBusy = true;
    const timeoutMs = this.info.heartbeatTimeoutMs;
    // One try waits a fifteenth of the timeout (200 ms for 3 s); tries go on (same request id: a
    // late ack still counts) until the device has been silent for the timeout less one try. So a
    // blip of up to about half the timeout is no loss, whatever its phase.
    const tryMs = Math.max(50, Math.min(500, Math.floor(timeoutMs / 15)));
    const lossAfterMs = Math.max(tryMs, timeoutMs - tryMs);
    try {
      this.keepAlive?.refill();
      for (;;) {
        const silentFor = Date.now() - this.lastSignOfLife();
        // At least one real try, even when the silence is already long (JavaScript was blocked and
        // the native keep-alive held control): loss is declared on evidence, never on a stale clock.
        const retries = Math.max(0, Math.ceil((lossAfterMs - silentFor) / tryMs) - 1);
        try {
          await this.checkControl({ urgent: true, timeoutMs: tryMs, retries });
          this.lastAliveAt = Date.now();
          return;
        } catch (err) {
          if (this.closing || this.lostError) return;
          if (err instanceof GvcpError && err.status === GvcpStatus.ACCESS_DENIED) {
            this.markLost('another application took control (heartbeat denied)', err);
            return;
          }
          if (!(err instanceof GvcpError) || !['GVCP_TIMEOUT', 'GVCP_SOCKET', 'GVCP_CLOSED'].includes(err.code)) {
            this.emit('warning', err);
            return;
          }
          const silence = Date.now() - this.lastSignOfLife();
          if (silence >= lossAfterMs || err.code === 'GVCP_CLOSED') {
            const why =
              err.code === 'GVCP_SOCKET'
                ? `heartbeats cannot be sent (${(err.cause as Error | undefined)?.message ?? err.message})`
                : 'no answer to the heartbeat';
            this.markLost(`${why} for ${silence} ms (heartbeat timeout ${timeoutMs} ms)`, err);
            return;
          }
          // The tries ended early (they waited behind a slow command): go on until the deadline.
          await new Promise((resolve) => setTimeout(resolve, Math.min(tryMs, lossAfterMs - silence)));
        }
      }
    } finally {
      this.heartbeatBusy = false;
    }
  }

  /** The last ack from the device, to a heartbeat or any other command of this channel. */
  private lastSignOfLife(): number {
    return Math.max(this.lastAliveAt, this.channel.stats().lastAckAt);
  }

  /** Reads CCP (and who holds it, when published); marks the connection lost if control is gone. */
  private async checkControl(options: TransactOptions): Promise<void> {
    const caps = this.info.gvcpCapability;
    if (this.access !== 'monitor' && caps & GvcpCapability.CCP_APPLICATION_PORT_IP && caps & GvcpCapability.CONCATENATION) {
      const [ccp, port, ip] = await this.channel.readRegisters(
        [Bootstrap.CCP, Bootstrap.PRIMARY_APPLICATION_PORT, Bootstrap.PRIMARY_APPLICATION_IP],
        options,
      );
      if ((ccp & (Ccp.EXCLUSIVE | Ccp.CONTROL)) === 0) {
        this.markLost('control expired or was released on the device (CCP is 0)');
      } else if (
        (port & 0xffff) !== this.channel.localEndpoint().port ||
        (this.seenAsIp !== undefined && numberToIp(ip) !== this.seenAsIp)
      ) {
        this.markLost(`another application (${numberToIp(ip)}:${port & 0xffff}) took control`);
      }
      return;
    }
    const ccp = await this.channel.readRegister(Bootstrap.CCP, options);
    if (this.access !== 'monitor' && (ccp & (Ccp.EXCLUSIVE | Ccp.CONTROL)) === 0) {
      this.markLost('control expired or was released on the device (CCP is 0)');
    }
  }

  private markLost(reason: string, cause?: unknown): void {
    if (this.lostError || this.closing) return;
    this.lostError = new GvcpError(
      'GVCP_LOST',
      `${this.channel.address}: connection lost: ${reason}`,
      { device: this.channel.address, reason },
      { cause },
    );
    if (this.heartbeatTimer) {
      clearTimeout(this.heartbeatTimer);
      this.heartbeatTimer = null;
    }
    // Control is gone (or was never answered): nothing left to keep alive.
    this.keepAlive?.stop();
    this.keepAlive = null;
    this.emit('lost', this.lostError);
  }

  /**
   * Sends `writes` in front of the next write through `port` (see write-prefix.ts): in the same
   * WRITEREG when that write is one register, so that the device runs them in the same exchange.
   */
  prefixNextWrite(writes: readonly RegisterWrite[]): PendingPrefix {
    return this.writePrefix.set(writes);
  }

  private async writePort(address: number, data: Buffer): Promise<void> {
    if (this.access === 'monitor') {
      throw new GvcpError(
        'GVCP_ACCESS_DENIED',
        `${this.channel.address}: this connection has monitor (read-only) access; reconnect with control access to write 0x${address.toString(16)}`,
        { address },
      );
    }
    const oneRegister = data.length === 4 && address % 4 === 0;
    await this.writePrefix.write(
      oneRegister ? { address, value: data.readUInt32BE(0) } : null,
      (writes) => this.channel.writeRegisters(writes),
      () => this.writeUnprefixed(address, data, oneRegister),
    );
  }

  private async writeUnprefixed(address: number, data: Buffer, oneRegister: boolean): Promise<void> {
    if (oneRegister) {
      await this.channel.writeRegister(address, data.readUInt32BE(0));
      return;
    }
    if (!(this.info.gvcpCapability & GvcpCapability.WRITEMEM) && address % 4 === 0 && data.length % 4 === 0) {
      const writes = [];
      for (let o = 0; o < data.length; o += 4) writes.push({ address: address + o, value: data.readUInt32BE(o) });
      await this.channel.writeRegisters(writes);
      return;
    }
    await this.channel.writeMemory(address, data);
  }

  /** Stop the heartbeat, release control (best effort, briefly) and close the socket. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.heartbeatTimer) {
      clearTimeout(this.heartbeatTimer);
      this.heartbeatTimer = null;
    }
    this.keepAlive?.stop();
    this.keepAlive = null;
    if (this.access !== 'monitor' && !this.lostError && !this.channel.isClosed) {
      await this.channel.writeRegister(Bootstrap.CCP, Ccp.OPEN, { timeoutMs: 200, retries: 1, urgent: true }).catch(() => undefined);
    }
    if (this.ownsChannel) await this.channel.close();
  }
}
