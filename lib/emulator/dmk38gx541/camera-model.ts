/**
 * The emulated DMK 38GX541-a: a `DeviceModel` for the GVCP server. It owns the manufacturer
 * registers (feature table, `feature-store.ts`), the XML memory, LUTValueAll, and the camera's
 * behaviour — acquisition timing, scene and response, auto functions, trigger input, strobe output,
 * PTP, action scheduler, events, chunk data, user sets. Feature semantics are wired in
 * `camera-features.ts`; this file holds the state and the device-side interfaces.
 */
import { GigeError } from '../../errors';
import type {
  ActionRequest,
  DeviceIdentity,
  DeviceModel,
  DeviceServices,
  Ieee1588Clock,
  StreamChannelConfig,
  XmlLocation,
} from '../device-model';
import { FeatureStore, Status, refuse } from './feature-store';
import { MappedFeature } from './features';
import { OFF, ON } from './features-image';
import { LUT_VALUE_ALL_ADDRESS } from './features-io';
import { ACTION_QUEUE_SIZE, EventId, EventName, EventSelectorValue } from './features-sync';
import { LUT_ENTRIES, identityLut } from './transfer';
import { XmlMemory } from './xml-file';
import { Timeline } from './timeline';
import { Acquisition } from './acquisition';
import { CameraFrame, FrameProducer, RampRenderer } from './frame-producer';
import { StrobeOutput } from './strobe-output';
import { TriggerInput } from './trigger-input';
import { PtpClock, PtpGrandmaster } from './ptp';
import { SceneOptions, sceneRenderer } from './scene';
import { ActionScheduler } from './action-scheduler';
import { UserSetMemory } from './user-sets';
import { CameraSettings } from './camera-settings';
import { installFeatureBehaviours } from './camera-features';
import { applySettings, loadUserSet } from './user-set-apply';
import { epochNanoseconds } from '../device/clock';

export const VENDOR_NAME = 'The Imaging Source Europe GmbH';
export const MODEL_NAME = 'DMK 38GX541-a';
export const DEVICE_VERSION = 'Firmware 2966 (emulated)';
export const MANUFACTURER_INFO = 'Emulated by node-red-contrib-gige-vision';

export interface Dmk38gx541Options {
  /** Serial number (≤ 15 characters); default derived from `address`. */
  serial?: string;
  /** The camera's address, for the default serial and MAC. */
  address?: string;
  /** MAC address, e.g. `02:00:00:77:00:0b` (default: a locally administered one derived from the serial). */
  macAddress?: string;
  userDefinedName?: string;
  /** File that holds the user sets (manual 5.10); none = user sets last as long as the emulator. */
  userSetFile?: string;
  /** PTP lock delay: Uncalibrated after enabling (or a role change), ms (default 3000). */
  ptpSettlingMs?: number;
  /**
   * Who is the PTP grandmaster: 'host' (default) — the host's clock, every camera Slave once
   * locked, in any process; 'cameras' — none, the cameras of this process elect a Master.
   */
  ptpGrandmaster?: PtpGrandmaster;
  /** Constant PTP servo error of this camera's clock, ns (default 0). */
  ptpOffsetNs?: number;
  /** Amplitude of the wandering PTP servo error, ns (default 0). */
  ptpJitterNs?: number;
  /** Feature values applied after power-up (after the UserSetDefault set), by name. */
  settings?: Record<string, string | number | boolean>;
  /** What the sensor sees: the exact ramp (default) or the seeded inspection scene (`scene.ts`). */
  scene?: SceneOptions;
  /** Scene renderer for tests (default: the one `scene` selects). */
  renderer?: RampRenderer;
  /** Problems that do not stop the camera (a failed send, a user set that could not be applied). */
  onWarning?: (err: Error) => void;
}

export class Dmk38gx541 implements DeviceModel {
  readonly identity: DeviceIdentity;
  readonly xml: XmlLocation;
  readonly actionSignals = 1;
  readonly actionQueueSize = ACTION_QUEUE_SIZE;
  /** Bootstrap 0x0954 bit IEEE1588_ENABLE and 0x096C are PtpEnable and PtpStatus (manual 5.12). */
  readonly ieee1588: Ieee1588Clock = {
    enabled: () => this.store.get('PtpEnable') === ON,
    // A host write like any other: validated, then PtpEnable's behaviour starts or stops the clock.
    setEnabled: (enabled) => this.store.set('PtpEnable', enabled ? ON : OFF),
    portState: () => this.ptp.status(),
    errorAt: (time) => this.ptp.errorAt(time),
  };

  readonly store = new FeatureStore();
  readonly xmlMemory = new XmlMemory();
  readonly lut: Uint16Array = identityLut();
  readonly timeline: Timeline;
  readonly acquisition: Acquisition<CameraFrame>;
  readonly producer: FrameProducer;
  readonly strobe: StrobeOutput;
  readonly triggerInput: TriggerInput;
  readonly ptp: PtpClock;
  readonly scheduler: ActionScheduler;
  readonly userSets: UserSetMemory;
  readonly settings: CameraSettings;
  readonly warnings: Error[] = [];
  readonly eventCounts: Record<EventName, number> = {
    ExposureEnd: 0,
    FrameTriggerMissed: 0,
    Line1FallingEdge: 0,
    Line1RisingEdge: 0,
    Test: 0,
  };

  private services: DeviceServices | null = null;
  private readonly onWarning?: (err: Error) => void;
  private closed = false;

  constructor(options: Dmk38gx541Options = {}) {
    this.onWarning = options.onWarning;
    const serial = options.serial ?? defaultSerial(options.address);
    if (serial.length > 15) throw new RangeError(`serial "${serial}" is too long; allowed at most 15 characters`);
    const mac = options.macAddress !== undefined ? parseMac(options.macAddress) : macFor(serial);
    this.identity = {
      vendorName: VENDOR_NAME,
      modelName: MODEL_NAME,
      deviceVersion: DEVICE_VERSION,
      manufacturerInfo: MANUFACTURER_INFO,
      serialNumber: serial,
      userDefinedName: options.userDefinedName ?? '',
      macAddress: mac,
    };
    this.xml = { firstUrl: this.xmlMemory.firstUrl, secondUrl: this.xmlMemory.secondUrl };
    // Everything below schedules on the time base, which a timestamp reset never moves.
    const now = (): bigint => this.baseNow();
    this.timeline = new Timeline(now, (err) => this.warn(err));
    this.settings = new CameraSettings(this.store);
    this.settings.streamChannel = () => this.streamChannel();
    this.strobe = new StrobeOutput(now());
    this.producer = new FrameProducer(
      () => this.services,
      (time) => this.toDeviceTime(time),
      () => this.baseNow(),
      options.renderer ?? sceneRenderer(options.scene),
      (frame, m) => this.settings.autoUpdate(frame, m),
      (err) => this.warn(err),
    );
    this.acquisition = new Acquisition<CameraFrame>(
      {
        now,
        settings: () => this.settings.acquisition(),
        prepareFrame: (index, start) => this.settings.frame(index, start, this.lut),
        readoutTimeNs: (frame) => frame.readoutNs,
        exposureStarted: (frame) => this.exposureStarted(frame),
        exposureEnded: (frame) => this.exposureEnded(frame),
        readoutDone: (frame) => this.producer.produce(frame),
        triggerMissed: (time) => this.sendEvent('FrameTriggerMissed', time),
        statusChanged: () => undefined,
      },
      this.timeline,
    );
    this.triggerInput = new TriggerInput(
      {
        now,
        filter: () => this.settings.lineFilter(),
        edge: (rising, time) => this.sendEvent(rising ? 'Line1RisingEdge' : 'Line1FallingEdge', time),
        trigger: (time) => this.acquisition.trigger('Line1', time),
      },
      this.timeline,
    );
    try {
      this.ptp = new PtpClock(BigInt(`0x${mac.toString('hex')}`), {
        grandmaster: options.ptpGrandmaster,
        lockMs: options.ptpSettlingMs ?? 3000,
        offsetNs: options.ptpOffsetNs,
        jitterNs: options.ptpJitterNs,
      });
    } catch (err) {
      throw new GigeError('INVALID_ARGUMENT', (err as Error).message, {}, { cause: err });
    }
    this.scheduler = new ActionScheduler(
      {
        now,
        synchronized: () => this.ptp.synchronized(),
        fire: (time) => this.acquisition.trigger('Action0', time),
      },
      this.timeline,
      ACTION_QUEUE_SIZE,
    );
    this.userSets = new UserSetMemory(options.userSetFile);
    installFeatureBehaviours(this);
    // Power-up: the factory defaults, then the set UserSetDefault names, then explicit settings.
    const startup = this.userSets.userSetDefault;
    if (startup !== 'Default') {
      try {
        loadUserSet(this, startup);
      } catch (err) {
        this.warn(new Error(`power-up user set ${startup} not loaded, factory defaults used: ${(err as Error).message}`));
      }
    }
    if (options.settings) applySettings(this, options.settings);
    this.ptp.setEnabled(this.store.get('PtpEnable') === ON);
    this.settings.normalize();
  }

  /** The device clock now (ns): what a timestamp latch reads. */
  now(): bigint {
    return this.toDeviceTime(this.baseNow());
  }

  /**
   * The time base the camera schedules on (ns): the device core's, which never jumps — exposure,
   * readout, triggers, strobe, scheduled actions all keep their times in it, so a timestamp reset
   * changes only the timestamps the camera hands out (`toDeviceTime`), never when things happen.
   */
  baseNow(): bigint {
    return this.services ? this.services.timeBase.baseNow() : epochNanoseconds();
  }

  /** The device timestamp of time-base instant `time` (leader, events, I/O records). */
  toDeviceTime(time: bigint): bigint {
    return this.services ? this.services.timeBase.toDevice(time) : time;
  }

  /** The time-base instant at which the device clock reads `ticks` (scheduled action times, I/O queries). */
  fromDeviceTime(ticks: bigint): bigint {
    return this.services ? this.services.timeBase.fromDevice(ticks) : ticks;
  }

  attach(services: DeviceServices): void {
    this.services = services;
  }

  // ---- registers and memory -------------------------------------------------------------------

  readRegister(address: number): number {
    aligned(address, 4);
    if (this.store.hasRegister(address)) return this.store.readRegister(address);
    return this.readMemory(address, 4).readUInt32BE(0);
  }

  writeRegister(address: number, value: number): void {
    aligned(address, 4);
    if (this.store.hasRegister(address)) {
      this.store.writeRegister(address, value);
      this.settings.normalize();
      return;
    }
    const data = Buffer.alloc(4);
    data.writeUInt32BE(value >>> 0, 0);
    this.writeMemory(address, data);
  }

  readMemory(address: number, length: number): Buffer {
    aligned(address, length);
    if (this.xmlMemory.covers(address)) return this.xmlMemory.read(address, length);
    if (inLut(address, length)) {
      const out = Buffer.alloc(length);
      for (let i = 0; i < length; i += 4) out.writeUInt32BE(this.lut[(address - LUT_VALUE_ALL_ADDRESS + i) / 4], i);
      return out;
    }
    const registers = this.store.registersIn(address, length);
    const out = Buffer.alloc(length);
    let at = 0;
    for (const f of registers) {
      const bytes = this.store.encode(f);
      bytes.copy(out, at, 0, Math.min(bytes.length, length - at));
      at += bytes.length;
    }
    return out;
  }

  writeMemory(address: number, data: Buffer): void {
    aligned(address, data.length);
    if (this.xmlMemory.covers(address)) refuse(Status.WRITE_PROTECT, 'the GenICam XML memory is read-only');
    if (inLut(address, data.length)) {
      this.settings.requireUnlocked('LUTValueAll');
      for (let i = 0; i < data.length; i += 4) {
        const value = data.readUInt32BE(i);
        if (value > 0xffff)
          refuse(
            Status.INVALID_PARAMETER,
            `LUTValueAll entry ${(address - LUT_VALUE_ALL_ADDRESS + i) / 4}: ${value} is not allowed; allowed 0 … 65535`,
          );
      }
      for (let i = 0; i < data.length; i += 4) this.lut[(address - LUT_VALUE_ALL_ADDRESS + i) / 4] = data.readUInt32BE(i);
      return;
    }
    const registers: MappedFeature[] = this.store.registersIn(address, data.length);
    let at = 0;
    for (const f of registers) {
      const length = f.storage.kind === 'model' ? f.storage.length : 4;
      if (at + length > data.length) refuse(Status.INVALID_PARAMETER, `WRITEMEM covers only part of the 8-byte register ${f.name}`);
      this.store.set(f.name, this.store.decode(f, data.subarray(at, at + length)));
      at += length;
    }
    this.settings.normalize();
  }

  // ---- server notifications -----------------------------------------------------------------

  onStreamChannel(_config: StreamChannelConfig | null): void {
    // Packet size and delay feed the frame-rate model.
    this.settings.normalize();
  }

  onControlLost(): void {
    this.acquisition.abort();
    this.store.setInternal('TLParamsLocked', 0);
  }

  onAction(request: ActionRequest): number {
    if (!request.signals.includes(0)) return 0;
    if (request.scheduledTime !== undefined) return this.scheduler.command(this.fromDeviceTime(request.scheduledTime));
    this.acquisition.trigger('Action0', this.baseNow());
    return 0;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.acquisition.abort();
    this.scheduler.cancel();
    this.timeline.close();
    this.ptp.close();
  }

  // ---- camera behaviour ----------------------------------------------------------------------

  /**
   * PtpEnable changed. PTP owns the device clock while enabled: enabling it brings the clock back to
   * the domain's time after a timestamp reset (the device core ignores resets until it is disabled).
   */
  setPtpEnabled(enabled: boolean): void {
    this.ptp.setEnabled(enabled);
    if (enabled) this.services?.timeBase.followDomain();
  }

  streamChannel(): StreamChannelConfig | null {
    return this.services ? this.services.streamChannel() : null;
  }

  private exposureStarted(frame: CameraFrame): void {
    const pulse = this.settings.strobePulse(frame);
    if (pulse) this.strobe.pulse(pulse);
  }

  private exposureEnded(frame: CameraFrame): void {
    frame.blockId = this.allocateBlockId();
    this.sendEvent('ExposureEnd', frame.exposureEnd, frame.blockId ?? 0n);
  }

  /** The block id this frame will carry, reserved at the end of exposure so ExposureEnd can name it. */
  private allocateBlockId(): bigint | null {
    return this.services ? this.services.reserveBlockId() : null;
  }

  /** Sends an event (at time-base instant `time`) on the message channel when its EventNotification is On. */
  sendEvent(event: EventName, time: bigint, frameId = 0n): void {
    if (this.store.storedSelected('EventNotification', EventSelectorValue[event]) !== ON) return;
    if (!this.services) return;
    let data: Buffer | undefined;
    if (event === 'ExposureEnd') {
      data = Buffer.alloc(8);
      data.writeBigUInt64BE(frameId, 0);
    }
    this.eventCounts[event] += 1;
    this.services.sendEvent({
      eventId: EventId[event],
      streamChannel: event === 'ExposureEnd' ? 0 : 0xffff,
      blockId: frameId,
      timestamp: this.toDeviceTime(time),
      data,
    });
  }

  warn(err: Error): void {
    this.warnings.push(err);
    if (this.warnings.length > 100) this.warnings.shift();
    try {
      this.onWarning?.(err);
    } catch {
      // a throwing listener must not take the camera down
    }
  }

  /** Counters for diagnostics: frames, triggers, events, scheduler, TRIGGER_IN. */
  stats(): Record<string, unknown> {
    return {
      frames: { ...this.producer.stats },
      acquisition: { ...this.acquisition.stats, active: this.acquisition.active },
      triggerInput: { ...this.triggerInput.stats },
      scheduler: { ...this.scheduler.stats, queued: this.scheduler.queued },
      events: { ...this.eventCounts },
      ptpStatus: this.ptp.status(),
      timeline: { pending: this.timeline.pending, rearms: this.timeline.rearms },
      warnings: this.warnings.length,
    };
  }
}

function aligned(address: number, length: number): void {
  if (address % 4 !== 0 || length % 4 !== 0)
    refuse(Status.BAD_ALIGNMENT, `address 0x${address.toString(16)} and length ${length} must be multiples of 4`);
}

function inLut(address: number, length: number): boolean {
  const end = LUT_VALUE_ALL_ADDRESS + LUT_ENTRIES * 4;
  if (address < LUT_VALUE_ALL_ADDRESS || address >= end) return false;
  if (address + length > end)
    refuse(
      Status.INVALID_ADDRESS,
      `LUTValueAll is ${LUT_ENTRIES * 4} bytes at 0x${LUT_VALUE_ALL_ADDRESS.toString(16)}; 0x${address.toString(16)}+${length} runs past it`,
    );
  return true;
}

/** An 8-digit serial from the address, so several emulated cameras differ by default. */
export function defaultSerial(address?: string): string {
  const parts = (address ?? '127.0.0.2').split('.').map((p) => Number(p) || 0);
  const n = ((parts[1] << 16) | (parts[2] << 8) | parts[3]) % 100000;
  return `385${String(n).padStart(5, '0')}`;
}

function parseMac(text: string): Buffer {
  const octets = text.split(/[:-]/);
  if (octets.length !== 6 || !octets.every((o) => /^[0-9a-fA-F]{2}$/.test(o))) {
    throw new GigeError('INVALID_ARGUMENT', `MAC address "${text}" is not allowed; allowed six hex octets like 02:00:00:77:00:0b`, {
      macAddress: text,
    });
  }
  return Buffer.from(octets.map((o) => parseInt(o, 16)));
}

/** A locally administered MAC (02:…) derived from the serial. */
function macFor(serial: string): Buffer {
  let hash = 2166136261;
  for (const c of serial) hash = Math.imul(hash ^ c.charCodeAt(0), 16777619) >>> 0;
  const mac = Buffer.alloc(6);
  mac[0] = 0x02;
  mac[1] = 0x07;
  mac.writeUInt32BE(hash, 2);
  return mac;
}
