import { EventEmitter } from 'node:events';
import { GigeError } from '../errors';
import { GvcpDevice, Bootstrap, StreamChannelRegister, GVSP_CAPABILITY_SCSP, ipToNumber, isIpv4, negotiatePacketSize } from '../gvcp';
import type { ControlChannel, PacketSizeResult } from '../gvcp';
import { NodeMap, loadDeviceXml } from '../genicam';
import type { FeatureValue } from '../genicam';
import { openStream, Stream, Frame } from '../stream';
import { FrameWaiters, releaseIfDelivered } from './frame-waiters';
import { TriggerReference } from './trigger-reference';
import { CameraEvents } from './events';
import { FrameSetTracker, FrameSet, readMultiFrameConfig } from './frame-sets';
import { MonitorStream, isMulticast } from './monitor-stream';
import { BandwidthOptions, BudgetReport, joinLinkBudget } from './stream-budget';
import {
  checkIntegerInRange,
  checkPoolMemory,
  checkTimeoutMs,
  MAX_BUFFER_COUNT,
  MAX_PACKET_SIZE,
  MIN_BUFFER_COUNT,
  MIN_PACKET_SIZE,
} from './limits';
import type { CameraEvent } from './events';

/**
 * A frame with the values of its chunk data (e.g. ChunkExposureTime) when the camera sent any.
 * It holds a pool buffer until released (see lib/stream/frame.ts): a 'frame' listener that needs
 * it after the event takes `share()` or `detach()`s it; a frame from grab(), nextFrame() or
 * triggerSoftware() is the caller's to `release()` or `detach()`.
 */
export type CameraFrame = Frame & { chunks?: Record<string, FeatureValue>; set?: FrameSet };

export type AccessMode = 'exclusive' | 'control' | 'monitor';
export type { FeatureValue };
export type { CameraEvent };

export interface CameraOpenOptions {
  /** The camera's IPv4 address. */
  address: string;
  /** Control (default): others may read; exclusive: nobody else may even read; monitor: read-only. */
  access?: AccessMode;
  /**
   * GVSP packet size (SCPS, bytes of IP datagram) to set at acquisition start; 'auto': the largest
   * that reaches this host unfragmented (test packets, see `negotiatePacketSize`); default: keep the camera's.
   */
  packetSize?: number | 'auto';
  /**
   * Stream to this multicast group (GevSCDA; 224.0.0.0/4) instead of to this host alone, so that
   * monitors on other hosts can receive the same frames. The receiver joins it on the interface
   * facing the camera. With access 'monitor' the camera's own group is received instead.
   */
  multicastGroup?: string;
  /**
   * Share the host interface's link with the other cameras of this process streaming into it
   * (GevSCPD, frame-rate limits; see bandwidth.ts). Default on; false leaves pacing to the camera.
   */
  bandwidth?: false | BandwidthOptions;
  /** Frame buffers in the receive pool. */
  bufferCount?: number;
  /** Bytes of frame memory in all: the pool plus frames flows keep without a copy (default four times the pool; for small frames at least the pool plus twice 72 MiB: see native/src/frame_pool.h). */
  frameMemoryLimit?: number;
  /** Where the GenICam XML is cached between opens (default: the GenICam layer's default). */
  xmlCacheDir?: string;
  /** How long a grab waits for its frame, in ms. */
  frameTimeoutMs?: number;
  /**
   * An open control channel to the camera to use (and leave open on close): a reconnect from the
   * same socket is recognised by the camera as its controller (see CameraConnection).
   */
  channel?: ControlChannel;
  /** With `channel`: release a control it may still hold before taking control (a clean start after a loss). */
  reclaim?: boolean;
}

const DEFAULT_FRAME_TIMEOUT_MS = 5000;
/** Timestamp control (0x0944) bit that copies the running timestamp into 0x0948/0x094C. */
const TIMESTAMP_LATCH = 0x2;
const STREAM_CHANNEL_0 = Bootstrap.SC0;

/**
 * One open GigE Vision camera: control channel with privilege and heartbeat, its GenICam node map,
 * (while acquiring) one stream, and (once events are enabled) its message channel. Emits `'frame'`
 * (CameraFrame), `'event'` (CameraEvent), `'lost'` (Error) when the camera stops answering,
 * `'error'` for stream or event problems that do not end the connection, and `'warning'` for
 * diagnosable stream problems (packet size above the MTU, small socket buffer, resends ignored).
 */
export class Camera extends EventEmitter {
  private stream: Stream | null = null;
  /** Monitor access: the controller's multicast stream, followed as it changes. */
  private monitor: MonitorStream | null = null;
  /** The packet size 'auto' chose (once per open camera), and how. */
  private packetSizeChoice: PacketSizeResult | null = null;
  /** Leaves the host link's bandwidth budget (set while this camera streams into a budgeted link). */
  private leaveBudget: (() => Promise<void>) | null = null;
  private budgetReport: BudgetReport | null = null;
  private starting: Promise<void> | null = null;
  /** Each waiter gets its own hold on the frame. */
  private readonly waiters = new FrameWaiters<CameraFrame>(
    (frame) => frame.share(),
    (held) => held.release(),
  );
  private readonly events: CameraEvents;
  /** Frames are handed out in order; reading a frame's chunk values is asynchronous. */
  private frameDelivery: Promise<void> = Promise.resolve();
  /** Which multi-frame set (manual 5.11) each frame belongs to. */
  private readonly frameSets = new FrameSetTracker();
  private closed = false;
  private lostError: Error | null = null;
  /** The node map's cacheVersion() when it last showed software triggering from its cache alone. */
  private softwareTriggerModeConfirmedAt: number | null = null;
  /** Multi-step operations (selector, then selected feature; trigger, then its frame) run one at a time. */
  private lock: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly options: Required<Pick<CameraOpenOptions, 'address' | 'access' | 'frameTimeoutMs'>> & CameraOpenOptions,
    readonly device: GvcpDevice,
    readonly nodeMap: NodeMap,
  ) {
    super();
    device.on('lost', (err: Error) => this.handleLost(err));
    this.events = new CameraEvents(
      device.channel,
      nodeMap,
      (event) => this.emit('event', event),
      (err) => this.emitError(err),
    );
  }

  static async open(options: CameraOpenOptions): Promise<Camera> {
    const resolved = { access: 'control' as AccessMode, frameTimeoutMs: DEFAULT_FRAME_TIMEOUT_MS, ...options };
    checkOpenOptions(resolved);
    const device = await GvcpDevice.connect({
      address: resolved.address,
      access: resolved.access,
      channel: resolved.channel,
      reclaim: resolved.reclaim,
    });
    try {
      const xml = await loadDeviceXml(device.port, { cacheDir: resolved.xmlCacheDir });
      const nodeMap = NodeMap.fromXml(xml, { device: device.port });
      return new Camera(resolved, device, nodeMap);
    } catch (err) {
      await device.close().catch(() => undefined);
      throw err;
    }
  }

  get address(): string {
    return this.options.address;
  }

  /** Ticks per second of the camera's timestamps (1 GHz on PTP cameras; 0 when it has no clock). */
  get tickFrequency(): bigint {
    return this.device.info.timestampTickFrequency;
  }

  /** Set once the camera stopped answering; every later operation fails with CAMERA_LOST. */
  get lost(): Error | null {
    return this.lostError;
  }

  /**
   * Runs `operation` when every earlier one passed to this method has finished: a selector written
   * by one user is not changed by another before the selected feature is read or written.
   */
  serialized<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.lock.then(operation, operation);
    this.lock = run.catch(() => undefined);
    return run;
  }

  get acquiring(): boolean {
    return this.stream !== null || this.monitor !== null;
  }

  /** The result of the last packet size negotiation ('auto'), or null. */
  get negotiatedPacketSize(): PacketSizeResult | null {
    return this.packetSizeChoice;
  }

  /** This camera's place in its host link's bandwidth budget while it streams, or null. */
  get bandwidthBudget(): BudgetReport | null {
    return this.budgetReport;
  }

  /**
   * Finds the largest packet size that reaches this host unfragmented (lib/gvcp/packet-size.ts,
   * within GevSCPSPacketSize's range and step) and sets it. Needs control access and no running
   * acquisition. Rejects with STREAM_BLOCKED when not even the smallest test packet arrives.
   */
  async negotiatePacketSize(): Promise<PacketSizeResult> {
    this.assertOpen();
    if (this.options.access === 'monitor')
      throw new GigeError(
        'ACCESS_DENIED',
        `Camera ${this.address}: packet size negotiation needs control access; this connection is monitor (read-only)`,
      );
    if (this.stream || this.starting)
      throw new GigeError(
        'ACQUISITION_RUNNING',
        `Camera ${this.address}: packet size negotiation borrows the stream channel; stop acquisition first`,
      );
    return this.serialized(async () => {
      const range = this.nodeMap.has('GevSCPSPacketSize')
        ? await this.nodeMap.describe('GevSCPSPacketSize').catch(() => undefined)
        : undefined;
      const num = (v: unknown): number | undefined => (v === undefined ? undefined : Number(v));
      return this.keepingFrameRate(async () => {
        const result = await negotiatePacketSize({
          channel: this.device.channel,
          min: num(range?.min),
          max: Math.min(num(range?.max) ?? MAX_PACKET_SIZE, MAX_PACKET_SIZE),
          increment: num(range?.inc),
        });
        await this.writePacketSize(result.packetSize);
        this.packetSizeChoice = result;
        return result;
      });
    });
  }

  /**
   * Runs `borrow` (test packets through the stream channel) and puts AcquisitionFrameRate back
   * afterwards. While a test packet's size is set with the channel open, a camera whose frame rate
   * is limited by its link computes its maximum for that size and lowers a rate above it — the
   * DMK 38GX541-a at 4504² from 5.86 to 5.42 fps for a 576-byte test packet — and does not raise it
   * again when the size is restored: without this, every connect would cut a link-limited frame
   * rate by 8 % for good. Back means the rate before, or the camera's maximum now if that is lower.
   */
  async keepingFrameRate<T>(borrow: () => Promise<T>): Promise<T> {
    const name = 'AcquisitionFrameRate';
    const readRate = async (): Promise<number | undefined> => {
      this.nodeMap.invalidate(name);
      const value = await this.nodeMap.getValue(name).catch(() => undefined);
      return typeof value === 'number' ? value : undefined;
    };
    const before = this.options.access === 'monitor' || !this.nodeMap.has(name) ? undefined : await readRate();
    try {
      return await borrow();
    } finally {
      // A camera that is gone has nothing to restore (and each read would wait out its timeout).
      if (before !== undefined && !this.lostError) {
        const after = await readRate();
        if (after !== undefined && after < before) {
          const max = await this.nodeMap
            .describe(name)
            .then((d) => (d.max === undefined ? undefined : Number(d.max)))
            .catch(() => undefined);
          await this.nodeMap
            .setValue(name, max === undefined ? before : Math.min(before, max))
            .catch((err: Error) =>
              this.emitWarning(
                new GigeError(
                  'SETTING_FAILED',
                  `Camera ${this.address}: ${name} ${before} could not be restored after the packet-size test: ${err.message}`,
                  {},
                  { cause: err },
                ),
              ),
            );
        }
      }
    }
  }

  private async writePacketSize(size: number): Promise<void> {
    const channel = this.device.channel;
    const scps = STREAM_CHANNEL_0 + StreamChannelRegister.SCPS;
    // Through the feature when the XML has it: a refusal then names the camera's range and step.
    if (this.nodeMap.has('GevSCPSPacketSize')) await this.nodeMap.setValue('GevSCPSPacketSize', size);
    else await channel.writeRegister(scps, (((await channel.readRegister(scps)) & 0x7fff0000) | size) >>> 0);
  }

  async get(name: string): Promise<FeatureValue> {
    this.assertOpen();
    return (await this.nodeMap.getValue(name)) as FeatureValue;
  }

  async set(name: string, value: FeatureValue): Promise<void> {
    this.assertOpen();
    await this.nodeMap.setValue(name, value as never);
  }

  async execute(name: string): Promise<void> {
    this.assertOpen();
    await this.nodeMap.execute(name);
  }

  /**
   * The camera's clock now (ticks of GevTimestampTickFrequency; ns on PTP cameras), latched through
   * the standard timestamp-control register so it works for any GigE Vision camera. Used to
   * schedule action commands in the camera's time.
   */
  async deviceTime(): Promise<bigint> {
    this.assertOpen();
    const channel = this.device.channel;
    await channel.writeRegister(Bootstrap.TIMESTAMP_CONTROL, TIMESTAMP_LATCH);
    return this.readLatchedTime();
  }

  /** Event names the camera offers (its EventSelector entries). */
  availableEvents(): Promise<string[]> {
    return this.events.available();
  }

  /** Events whose notification this client switched on. */
  get enabledEventNames(): string[] {
    return this.events.enabledNames;
  }

  /** Switches notification on for these events (opening the message channel first); they arrive as 'event'. */
  async enableEvents(names: string[]): Promise<void> {
    this.assertOpen();
    await this.serialized(() => this.events.enable(names));
  }

  async disableEvents(names: string[]): Promise<void> {
    this.assertOpen();
    await this.serialized(() => this.events.disable(names));
  }

  /** Starts streaming (idempotent): stream channel to this host, TLParamsLocked, AcquisitionStart. */
  async startAcquisition(): Promise<void> {
    this.assertOpen();
    if (this.stream || this.monitor) return;
    if (!this.starting) {
      this.starting = this.openStreamAndStart().finally(() => {
        this.starting = null;
      });
    }
    await this.starting;
  }

  /** Stops streaming (idempotent) and closes the stream channel. */
  async stopAcquisition(): Promise<void> {
    if (this.starting) await this.starting.catch(() => undefined);
    const monitor = this.monitor;
    if (monitor) {
      // A monitor writes nothing: it only stops listening.
      this.monitor = null;
      this.waiters.failAll(new GigeError('ACQUISITION_STOPPED', 'Acquisition stopped while waiting for a frame'));
      await monitor.stop();
      this.stream = null;
      return;
    }
    const stream = this.stream;
    if (!stream) return;
    this.stream = null;
    this.waiters.failAll(new GigeError('ACQUISITION_STOPPED', 'Acquisition stopped while waiting for a frame'));
    const errors: unknown[] = [];
    if (!this.lostError) {
      await this.nodeMap.execute('AcquisitionStop').catch((err) => errors.push(err));
      await this.setIfPresent('TLParamsLocked', 0).catch((err) => errors.push(err));
      await this.device.channel.writeRegister(STREAM_CHANNEL_0 + StreamChannelRegister.SCP, 0).catch((err: unknown) => errors.push(err));
    }
    await stream.close();
    await this.leaveLinkBudget();
    if (errors.length > 0 && !this.closed) throw errors[0];
  }

  private async leaveLinkBudget(): Promise<void> {
    const leave = this.leaveBudget;
    this.leaveBudget = null;
    this.budgetReport = null;
    if (leave && !this.lostError) await leave().catch(() => undefined);
  }

  /** The next frame of the running acquisition. */
  async nextFrame(timeoutMs = this.options.frameTimeoutMs): Promise<CameraFrame> {
    this.assertOpen();
    if (!this.stream && !this.starting && !this.monitor) {
      throw new GigeError('NOT_ACQUIRING', 'No acquisition is running: start it first, or use grab()');
    }
    return this.waiters.wait(timeoutMs, () => this.describeTimeout(timeoutMs));
  }

  /**
   * One frame. While acquiring: the next frame. Otherwise: start, take the first frame, stop — so a
   * single grab leaves the camera as it found it.
   */
  async grab(timeoutMs = this.options.frameTimeoutMs): Promise<CameraFrame> {
    this.assertOpen();
    if (this.stream || this.starting || this.monitor) return this.nextFrame(timeoutMs);
    // Waiting before starting, so the first frame is not missed; the wait is observed from the
    // start (FrameWaiters), since it may time out while acquisition is still starting.
    const next = this.waiters.wait(timeoutMs, () => this.describeTimeout(timeoutMs));
    try {
      await this.startAcquisition();
      return await next;
    } catch (err) {
      releaseIfDelivered(next);
      throw err;
    } finally {
      await this.stopAcquisition().catch(() => undefined);
    }
  }

  /**
   * Fires TriggerSoftware and resolves with the frame it produced: the first frame exposed after
   * the trigger (its timestamp is at or after the camera's clock, latched by the trigger's own
   * WRITEREG just before the trigger: trigger-reference.ts), so a frame of an earlier trigger or
   * burst is never taken for this one. Triggers of several users run one at a time. With
   * `ensureTriggerMode`, TriggerMode/TriggerSource are first checked and set for software
   * triggering, inside the same turn (skipped while the node map's cache has not changed since
   * they were last seen right).
   */
  async triggerSoftware(timeoutMs = this.options.frameTimeoutMs, options: { ensureTriggerMode?: boolean } = {}): Promise<CameraFrame> {
    this.assertOpen();
    return this.serialized(async () => {
      if (options.ensureTriggerMode) await this.setSoftwareTriggerMode();
      await this.startAcquisition();
      const reference = this.latchClockWithNextWrite();
      const next = this.waiters.wait(
        timeoutMs,
        () =>
          this.describeTimeout(timeoutMs) +
          (reference.skipped === 0
            ? ''
            : ` ${reference.skipped} frame(s) stamped before the trigger were skipped: the camera's clock may have been reset or stepped back (PTP).`),
        (frame) => reference.accepts(frame),
      );
      // `next` may time out while the trigger is still being acknowledged: FrameWaiters observes
      // it from the start, and the caller gets its rejection through the return below.
      try {
        // The frame says the trigger was done: polling the command's done state would only put a
        // round trip in front of the latched time's read (and so of a fast camera's frame).
        await this.nodeMap.execute('TriggerSoftware', { wait: false });
        await reference.resolve(() => this.lostError !== null);
      } catch (err) {
        reference.cancel();
        releaseIfDelivered(next);
        throw err;
      }
      return next;
    });
  }

  /**
   * Fires TriggerSoftware for the camera's other users (a grab takes the frames) and resolves with
   * the camera's clock at the trigger, latched in the same WRITEREG (latch first) and read back
   * after it, as triggerSoftware does: the trigger leaves without a round trip in front of it. Null
   * when the camera has no clock or took the trigger without the latch. The caller runs it inside
   * `serialized` when it checks the trigger mode first.
   */
  async fireSoftwareTrigger(): Promise<bigint | null> {
    this.assertOpen();
    const reference = this.latchClockWithNextWrite();
    try {
      await this.nodeMap.execute('TriggerSoftware', { wait: false });
    } catch (err) {
      reference.cancel();
      throw err;
    }
    await reference.resolve(() => this.lostError !== null);
    return reference.time;
  }

  /** The camera's clock latched in front of the next write (a trigger's); no latch without a clock. */
  private latchClockWithNextWrite(): TriggerReference {
    return new TriggerReference(
      this.tickFrequency === 0n ? null : this.device.prefixNextWrite([{ address: Bootstrap.TIMESTAMP_CONTROL, value: TIMESTAMP_LATCH }]),
      () => this.readLatchedTime(),
    );
  }

  /** The camera's clock as last latched (see deviceTime). */
  private async readLatchedTime(): Promise<bigint> {
    const [high, low] = await this.device.channel.readRegisters([Bootstrap.TIMESTAMP_VALUE_HIGH, Bootstrap.TIMESTAMP_VALUE_LOW]);
    return (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);
  }

  /**
   * TriggerMode=On with TriggerSource=Software (or Any), so that acquisition waits for software
   * triggers. It changes the camera for every user of it: a free-running stream stops.
   */
  prepareSoftwareTrigger(): Promise<void> {
    this.assertOpen();
    return this.serialized(() => this.setSoftwareTriggerMode());
  }

  private async setSoftwareTriggerMode(): Promise<void> {
    // A trigger node asks for this check before every trigger. Once the node map has answered it
    // from its cache alone, the answer holds until that cache changes (cacheVersion), so the check
    // is skipped: it was a fifth of the package's allocations per trigger (bench/README.md,
    // thirteenth session). Versions that differ around the check (a read from the device, a write,
    // another user's write meanwhile) leave it to run again next time. With chunk data on, each
    // frame's chunks change the version too, and the check runs on every trigger as before.
    const version = this.nodeMap.cacheVersion();
    if (version === this.softwareTriggerModeConfirmedAt) return;
    const source = await this.nodeMap.getValue('TriggerSource');
    if (source !== 'Software' && source !== 'Any') await this.nodeMap.setValue('TriggerSource', 'Software');
    if ((await this.nodeMap.getValue('TriggerMode')) !== 'On') await this.nodeMap.setValue('TriggerMode', 'On');
    this.softwareTriggerModeConfirmedAt = this.nodeMap.cacheVersion() === version ? version : null;
  }

  streamStatistics(): ReturnType<Stream['stats']> | null {
    return this.stream ? this.stream.stats() : null;
  }

  /** Stops acquisition, releases control, closes sockets. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.stopAcquisition().catch(() => undefined);
    this.waiters.failAll(new GigeError('CAMERA_CLOSED', `Camera ${this.address} was closed`));
    await this.events.close().catch(() => undefined);
    await this.device.close().catch(() => undefined);
    this.removeAllListeners('frame');
  }

  private async openStreamAndStart(): Promise<void> {
    if (this.options.access === 'monitor') {
      await this.followControllerStream();
      return;
    }
    const channel = this.device.channel;
    const scps = STREAM_CHANNEL_0 + StreamChannelRegister.SCPS;
    if (this.options.packetSize === 'auto') {
      // Negotiated once per open camera; a path that passes no test packet keeps the camera's size.
      if (!this.packetSizeChoice) await this.negotiatePacketSize().catch((err: Error) => this.emitWarning(err));
    } else if (this.options.packetSize !== undefined) {
      await this.writePacketSize(this.options.packetSize);
    }
    const packetSize = (await channel.readRegister(scps)) & 0xffff;
    const payloadSize = Number(await this.nodeMap.getValue('PayloadSize'));
    if (this.options.bufferCount !== undefined) checkPoolMemory(this.options.bufferCount, payloadSize, this.address);
    // The control channel is bound to the address that reaches the camera: frames come there too.
    const localAddress = channel.localEndpoint().address;
    const group = this.options.multicastGroup;
    const stream = openStream({
      bindAddress: localAddress,
      multicastGroup: group,
      deviceAddress: this.address,
      sourcePort: await this.streamSourcePort(),
      packetSize,
      maxPayloadSize: payloadSize,
      bufferCount: this.options.bufferCount,
      memoryLimit: this.options.frameMemoryLimit,
    });
    this.frameSets.reset();
    this.attachStream(stream);
    try {
      if (this.options.bandwidth !== false) {
        this.leaveBudget = await joinLinkBudget({
          key: this.address,
          channel,
          nodeMap: this.nodeMap,
          tickFrequency: this.tickFrequency,
          localAddress,
          payloadBytes: payloadSize,
          packetSize,
          settings: this.options.bandwidth ?? {},
          onReport: (report) => this.reportBudget(report),
          onError: (err) =>
            this.emitWarning(
              new GigeError(
                'BANDWIDTH_BUDGET',
                `Camera ${this.address}: the link budget could not be applied: ${err.message}`,
                {},
                { cause: err },
              ),
            ),
        });
      }
      await channel.writeRegister(STREAM_CHANNEL_0 + StreamChannelRegister.SCDA, ipToNumber(group ?? localAddress));
      await channel.writeRegister(STREAM_CHANNEL_0 + StreamChannelRegister.SCP, stream.port);
      await this.setIfPresent('TLParamsLocked', 1);
      await this.nodeMap.execute('AcquisitionStart');
    } catch (err) {
      await channel.writeRegister(STREAM_CHANNEL_0 + StreamChannelRegister.SCP, 0).catch(() => undefined);
      await this.setIfPresent('TLParamsLocked', 0).catch(() => undefined);
      await stream.close();
      await this.leaveLinkBudget();
      throw err;
    }
    this.stream = stream;
  }

  private attachStream(stream: Stream, joinedMidStream = false): void {
    // A monitor joins a stream that is already running: the frame under way when it joined lacks
    // its first packets. That is the join, not a loss — frames before the first whole one are skipped.
    let joining = joinedMidStream;
    stream.on('frame', (frame: Frame) => {
      if (joining && frame.status !== 'complete') return;
      joining = false;
      this.handleFrame(frame);
    });
    stream.on('error', (err: Error) => this.emitError(err));
    // Diagnosable problems (packet size above the MTU, a small socket buffer, resends ignored).
    stream.on('warning', (warning: Error) => this.emitWarning(warning));
  }

  /** Monitor access: receive the controller's multicast stream, following it as the controller changes it. */
  private async followControllerStream(): Promise<void> {
    const monitor = new MonitorStream({
      channel: this.device.channel,
      cameraAddress: this.address,
      localAddress: this.device.channel.localEndpoint().address,
      payloadSize: async () => Number(await this.nodeMap.getValue('PayloadSize')),
      bufferCount: this.options.bufferCount,
      memoryLimit: this.options.frameMemoryLimit,
      onStream: (stream) => {
        if (stream) this.attachStream(stream, true);
        if (this.monitor === monitor) this.stream = stream;
      },
      onWarning: (err) => this.emitWarning(err),
    });
    this.monitor = monitor;
    try {
      await monitor.start();
    } catch (err) {
      this.monitor = null;
      await monitor.stop();
      throw err;
    }
  }

  private reportBudget(report: BudgetReport): void {
    this.budgetReport = report;
    try {
      this.emit('bandwidth', report);
    } catch {
      // a listener's bug must not break the budget
    }
    if (!report.plan.fits) this.emitWarning(new GigeError('BANDWIDTH_EXCEEDED', `Camera ${this.address}: ${report.description}`, {}));
  }

  /**
   * The port the camera streams from (SCSP), when it reports one: the receiver then accepts GVSP
   * from that port only. 0 (unknown) lets it learn the port from the camera's first packet.
   */
  private async streamSourcePort(): Promise<number> {
    const channel = this.device.channel;
    try {
      if (((await channel.readRegister(Bootstrap.GVSP_CAPABILITY)) & GVSP_CAPABILITY_SCSP) === 0) return 0;
      return (await channel.readRegister(STREAM_CHANNEL_0 + StreamChannelRegister.SCSP)) & 0xffff;
    } catch (err) {
      if (this.lostError) throw err;
      return 0;
    }
  }

  private async setIfPresent(name: string, value: FeatureValue): Promise<void> {
    if (!this.nodeMap.has(name)) return;
    await this.nodeMap.setValue(name, value as never);
  }

  /**
   * The stream's hold on a frame ends with its event, so delivery takes its own: chunk values are
   * read from the pool buffer, each waiter gets a share, 'frame' listeners share or detach it during
   * the event, and the delivery's hold ends right after — with no listener, at once.
   */
  private handleFrame(event: Frame): void {
    const frame = event.share() as CameraFrame;
    this.frameDelivery = this.frameDelivery
      .then(async () => {
        try {
          if (frame.chunkData) await this.readChunks(frame);
          await this.assignSet(frame);
          this.waiters.deliver(frame);
          this.emit('frame', frame);
        } catch (err) {
          // A listener's bug must not kill the stream's delivery path.
          this.emitError(err as Error);
        } finally {
          frame.release();
        }
      })
      .catch((err: Error) => this.emitError(err)); // the chain outlives this call: never left rejected
  }

  /** Chunk ports read from one frame's chunk data at a time; detached again right after. */
  private async readChunks(frame: CameraFrame): Promise<void> {
    try {
      const { problem } = this.nodeMap.attachChunkData(frame.chunkData as Buffer, { imageLength: frame.data.length });
      if (problem) this.emitError(new GigeError('CHUNK_DATA', `Frame ${frame.blockId}: ${problem}`));
      frame.chunks = await this.nodeMap.readChunkValues();
    } catch (err) {
      this.emitError(err as Error);
    } finally {
      this.nodeMap.detachChunkData();
    }
  }

  /** The frame's multi-frame set, while multi-frame output is on (cached reads: no traffic per frame). */
  private async assignSet(frame: CameraFrame): Promise<void> {
    let config = null;
    try {
      config = await readMultiFrameConfig(
        (name) => this.nodeMap.has(name),
        (name) => this.nodeMap.getValue(name) as Promise<FeatureValue>,
      );
    } catch (err) {
      this.emitError(err as Error);
    }
    // Every frame counts for the position, with or without a set.
    const set = this.frameSets.assign(frame.blockId, config, frame.chunks?.ChunkExposureTime);
    if (set) frame.set = set;
  }

  private handleLost(err: Error): void {
    if (this.closed || this.lostError) return;
    this.lostError = err;
    this.waiters.failAll(err);
    const stream = this.stream;
    this.stream = null;
    const monitor = this.monitor;
    this.monitor = null;
    if (monitor) monitor.stop().catch(() => undefined);
    else if (stream) stream.close().catch(() => undefined);
    // The camera is gone: the link's other cameras get its share.
    const leave = this.leaveBudget;
    this.leaveBudget = null;
    this.budgetReport = null;
    if (leave) leave().catch(() => undefined);
    this.emit('lost', err);
  }

  private emitError(err: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }

  private emitWarning(warning: Error): void {
    if (this.listenerCount('warning') > 0) this.emit('warning', warning);
  }

  private describeTimeout(timeoutMs: number): string {
    const stats = this.stream?.stats();
    const seen = stats
      ? ` (stream so far: ${stats.framesComplete} complete, ${stats.framesIncomplete} incomplete, ${stats.framesDropped} dropped frames; ` +
        `${stats.packetsReceived} packets received, ${stats.packetsMissing} missing; packet size ${stats.socket.packetSize}` +
        `${stats.socket.packetSizeFitsMtu === false ? ` exceeds the MTU ${stats.socket.mtu}` : ''})`
      : '';
    // Frames that did arrive but were dropped because JavaScript keeps too many: not the camera's doing.
    const memory =
      stats && stats.framesDroppedMemoryLimit > 0
        ? ` ${stats.framesDroppedMemoryLimit} of the dropped frames arrived while frames kept beyond the frame memory limit waited for garbage collection: keep fewer frames or raise the limit.`
        : '';
    return (
      `No frame from ${this.address} within ${timeoutMs} ms${seen}.${memory} ` +
      'Check TriggerMode/TriggerSource (a camera waiting for a hardware trigger sends nothing), ' +
      'AcquisitionFrameRate and ExposureTime, and that GVSP packets reach this host (firewall, packet size vs MTU).'
    );
  }

  private assertOpen(): void {
    if (this.closed) throw new GigeError('CAMERA_CLOSED', `Camera ${this.address} is closed`);
    if (this.lostError) {
      throw new GigeError('CAMERA_LOST', `Camera ${this.address} was lost: ${this.lostError.message}`, {}, { cause: this.lostError });
    }
  }
}

/** Refuses options past their limits before anything is opened (see limits.ts for why each exists). */
function checkOpenOptions(options: CameraOpenOptions & { frameTimeoutMs: number }): void {
  checkTimeoutMs(options.frameTimeoutMs, 'Frame timeout');
  if (options.bufferCount !== undefined) checkIntegerInRange(options.bufferCount, MIN_BUFFER_COUNT, MAX_BUFFER_COUNT, 'Buffer count');
  if (options.packetSize !== undefined && options.packetSize !== 'auto')
    checkIntegerInRange(options.packetSize, MIN_PACKET_SIZE, MAX_PACKET_SIZE, 'Packet size', 'bytes');
  if (options.multicastGroup !== undefined && (!isIpv4(options.multicastGroup) || !isMulticast(options.multicastGroup))) {
    throw new GigeError(
      'OUT_OF_RANGE',
      `Multicast group ${JSON.stringify(String(options.multicastGroup)).slice(0, 40)} is not allowed; allowed 224.0.0.0 … 239.255.255.255 (e.g. 239.192.0.1)`,
      {},
    );
  }
}
