/**
 * The seam between the emulated device's GigE Vision core (`gvcp-server.ts`: GVCP, bootstrap
 * registers, privilege, heartbeat, stream and message channels, actions) and a camera model
 * (`dmk38gx541/`: features, sensor timing, scene, events, chunk data).
 *
 * The server owns every bootstrap register (addresses below 0xA000 and the action group table at
 * 0x9800…) and the stream channel (native GVSP sender, packet resend, test packet). The model owns
 * the manufacturer registers (0xA000 and up, as its GenICam XML describes them) and the memory that
 * holds its XML file.
 */

/** A GVCP status to answer with; thrown by a model to refuse an access. */
export class DeviceAccessError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'DeviceAccessError';
  }
}

export interface DeviceIdentity {
  vendorName: string; // bootstrap 0x0048, 32 bytes
  modelName: string; // 0x0068, 32 bytes
  deviceVersion: string; // 0x0088, 32 bytes
  manufacturerInfo: string; // 0x00A8, 48 bytes
  serialNumber: string; // 0x00D8, 16 bytes
  userDefinedName: string; // 0x00E8, 16 bytes (writable through the server)
  macAddress: Buffer; // 6 bytes
}

/** The XML location published in the first URL register (0x0200). */
export interface XmlLocation {
  /** e.g. `Local:DMK38GX541a.zip;10000000;5f3a` — read through `readMemory`. */
  firstUrl: string;
  secondUrl?: string;
}

export interface StreamChannelConfig {
  destinationAddress: string; // SCDA
  destinationPort: number; // SCP (non-zero: open)
  packetSize: number; // SCPS low 16 bits (IP datagram size)
  packetDelayTicks: number; // SCPD
  doNotFragment: boolean;
  extendedIds: boolean; // GVSP configuration 0x0960 bit 0x40000000
}

/** Blocks the stream channel keeps for PACKETRESEND: the newest this many (and any still queued). */
export const RESEND_HISTORY_BLOCKS = 4;

/** One block (frame) for the stream channel; the server sends it through the native sender. */
export interface OutgoingBlock {
  timestamp: bigint; // device ticks (ns: tick frequency 1 GHz)
  pixelFormat: number; // PFNC code
  width: number;
  height: number;
  offsetX: number;
  offsetY: number;
  paddingX: number;
  paddingY: number;
  /**
   * Image bytes, followed by chunk data when `chunkDataLength` > 0 (payload type 0x4001). The
   * server resends from it until RESEND_HISTORY_BLOCKS newer blocks have been sent: a model must
   * not write into it before then, or a late resend carries a newer frame's bytes.
   */
  data: Buffer;
  /**
   * The id from `DeviceServices.reserveBlockId()` when the model needed it before sending (e.g. for
   * an ExposureEnd event); absent → the server assigns the next id.
   */
  blockId?: bigint;
  chunkDataLength?: number;
  chunkLayoutId?: number;
  /** Not sent before this instant of `process.hrtime.bigint()` (the end of the frame's readout). */
  notBefore?: bigint;
}

export interface OutgoingEvent {
  eventId: number; // e.g. 0x9001 as the XML's EventID says
  streamChannel?: number; // 0xFFFF when not tied to a stream
  blockId?: bigint;
  timestamp: bigint;
  data?: Buffer; // EVENTDATA payload (≤ 524 bytes); absent → EVENT_CMD
}

/**
 * The device clock as a model schedules with it. Device timestamps can jump — a timestamp reset
 * (0x0944 bit 0x1) restarts them at 0, PTP taking the clock over brings back the domain's time —
 * but the time base under them never jumps. A model keeps every time it schedules on the time base
 * and converts where a device timestamp is produced (leader, events, I/O records: `toDevice`) or
 * consumed (scheduled action times: `fromDevice`), so a reset never strands its schedule.
 */
export interface DeviceTimeBase {
  /** The time base now (ns). */
  baseNow(): bigint;
  /** The device timestamp of time-base instant `time`, with the clock setting in force at that instant. */
  toDevice(time: bigint): bigint;
  /** The time-base instant at which the device clock (as set now) reads `ticks`. */
  fromDevice(ticks: bigint): bigint;
  /** PTP took the clock over: from now on the device clock reads the shared (domain) time again. */
  followDomain(): void;
}

/** What the model may ask of the device core. */
export interface DeviceServices {
  /** Device clock, ns (the model owns PTP state but the clock is shared with timestamp latch). */
  now(): bigint;
  /** The same clock with the time base under it: what a model schedules on (see `DeviceTimeBase`). */
  timeBase: DeviceTimeBase;
  /** Current stream channel 0 configuration, or null when the channel is closed. */
  streamChannel(): StreamChannelConfig | null;
  /** Queue a block for sending; resolves with its block id when its last packet left. */
  sendBlock(block: OutgoingBlock): Promise<bigint>;
  /**
   * Take the block id the next frame will carry (1, 2, … from the opening of the stream channel;
   * 16-bit ids wrap to 1), or null while the channel is closed. Pass it as `OutgoingBlock.blockId`.
   * Lets a model put the right id in events sent before the frame (ExposureEnd).
   */
  reserveBlockId(): bigint | null;
  /** Send an event on the message channel (no-op when the channel is closed). */
  sendEvent(event: OutgoingEvent): void;
  /** True while a primary application holds control (CCP ≠ 0). */
  controlled(): boolean;
}

export interface ActionRequest {
  /** Indices of the action signals whose keys/masks matched. */
  signals: number[];
  /** Scheduled time (device ns) when the ACTION_CMD carried one. */
  scheduledTime?: bigint;
}

/**
 * A model's IEEE 1588 (PTP) clock. When a model has one, the device core reports it in the
 * bootstrap registers, so that they and the model's own PTP features always agree: GVCP capability
 * bit IEEE1588 (0x0934), GVCP configuration bit IEEE1588_ENABLE (0x0954, read from `enabled()`,
 * written through `setEnabled`), and IEEE 1588 status (0x096C, the port state in the low 4 bits).
 * Without one those bits stay clear and 0x096C is not a register.
 */
export interface Ieee1588Clock {
  /** While enabled, PTP owns the device clock: the core ignores the timestamp reset bit (0x0944 bit 0x1). */
  enabled(): boolean;
  /** The host changed the IEEE1588_ENABLE bit. Throw `DeviceAccessError` to refuse. */
  setEnabled(enabled: boolean): void;
  /** IEEE 1588 port state: 1 Initializing, 2 Faulty, 3 Disabled, 4 Listening, 5 PreMaster, 6 Master, 7 Passive, 8 Uncalibrated, 9 Slave. */
  portState(): number;
  /**
   * The clock's servo error at time-base instant `time`: device clock minus grandmaster time (ns).
   * The device core adds it to every timestamp it converts (0 when absent).
   */
  errorAt?(time: bigint): bigint;
}

export interface DeviceModel {
  readonly identity: DeviceIdentity;
  readonly xml: XmlLocation;
  /** Number of action signals (bootstrap 0x0908) and scheduled-action queue depth (0x0970). */
  readonly actionSignals: number;
  readonly actionQueueSize: number;
  /** The model's PTP clock, when it has one (optional: older models need not change). */
  readonly ieee1588?: Ieee1588Clock;

  /** Called once by the server before it starts answering. */
  attach(services: DeviceServices): void;

  /**
   * Manufacturer registers (≥ 0xA000). Throw (or reject with) `DeviceAccessError` for a bad address
   * or value. May return a promise for slow operations (e.g. saving a user set): the server then
   * sends PENDING_ACKs while it waits, when the host enabled them.
   */
  readRegister(address: number): number | Promise<number>;
  writeRegister(address: number, value: number): void | Promise<void>;
  /**
   * Memory reads/writes outside the bootstrap area (XML file, LUTValueAll, …). READMEM/WRITEMEM of
   * manufacturer registers (Aravis reads every feature with READMEM) fall back to word-wise
   * `readRegister`/`writeRegister` when these throw `DeviceAccessError` with INVALID_ADDRESS
   * (0x8003); likewise a READREG/WRITEREG the model rejects as INVALID_ADDRESS is retried on memory.
   */
  readMemory(address: number, length: number): Buffer | Promise<Buffer>;
  writeMemory(address: number, data: Buffer): void | Promise<void>;

  /** The stream channel opened (non-null) or closed (null). */
  onStreamChannel(config: StreamChannelConfig | null): void;
  /** Control was released or expired (heartbeat): stop acquisition, as a real camera does. */
  onControlLost(): void;
  /**
   * An ACTION_CMD matched. Return a GVCP status (0 = success; 0x8016 ACTION_LATE, 0x8015 OVERFLOW,
   * 0x8013 NO_REF_TIME) for the ack.
   */
  onAction(request: ActionRequest): number;

  /** Stop timers and release everything. */
  close(): Promise<void>;
}
