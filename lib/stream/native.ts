/**
 * Loads the native core (a local build or the prebuilt binary for this platform: native-loader.ts)
 * and declares the TypeScript types of everything it exports.
 */
import { GigeError, GigeErrorCode } from '../errors';
import { loadNativeAddon } from './native-loader';

// ---- GVSP sender (the emulator's stream transmitter) ----

export interface GvspSenderOptions {
  /** Local IPv4 address to send from (127.x in tests). */
  bindAddress: string;
  /** Source port (SCSP); 0 or absent = ephemeral. */
  bindPort?: number;
}

export interface GvspFaults {
  seed?: number | bigint;
  /** Probability that a packet is lost. */
  lossRate?: number;
  /** Probability that a burst of `burstLength` lost packets starts at a packet. */
  burstLossRate?: number;
  burstLength?: number;
  /** Probability that a packet is held back behind the next one. */
  reorderRate?: number;
  /** Probability that a packet is sent twice. */
  duplicateRate?: number;
}

export type GvspResendMode = 'honour' | 'ignore' | 'unavailable';

export interface GvspSenderConfig {
  destinationAddress: string;
  /** SCP; 0 = stream channel closed. */
  destinationPort: number;
  /** SCPS: IP datagram size (data bytes per packet = packetSize − 36, or − 48 with extended IDs). */
  packetSize: number;
  extendedIds?: boolean;
  /** Gap inserted after each packet, on top of its time on the link (SCPD converted to ns). */
  packetDelayNs?: number;
  /** Link rate limit in IP-datagram bytes per second (e.g. 125e6 for 1 GigE); 0/absent = unlimited. */
  bandwidthBytesPerSecond?: number;
  doNotFragment?: boolean;
  faults?: GvspFaults;
  /** How PACKETRESEND is answered: resend from history, ignore, or PACKET_UNAVAILABLE packets. */
  resendMode?: GvspResendMode;
  /** Blocks kept for resends (default 4; their Buffers stay referenced). */
  historyBlocks?: number;
  /**
   * UDP segmentation offload for runs of equal-sized packets (default false: a capture or packet
   * socket on the sending host would see each run as one datagram larger than `packetSize`).
   */
  segmentationOffload?: boolean;
}

export interface GvspBlock {
  /** Assigned by the caller (the GVCP server): 1…65535 with standard IDs. */
  blockId: bigint;
  timestamp: bigint;
  /** Default 0x0001, or 0x4001 when chunkDataLength > 0. Also 0x0002, 0x0004, 0x0005. */
  payloadType?: number;
  pixelFormat: number;
  width: number;
  height: number;
  offsetX: number;
  offsetY: number;
  paddingX: number;
  paddingY: number;
  /** The whole payload (image, then chunk data for 0x4001). Kept referenced until sent and while in history. */
  data: Buffer;
  /** Trailer field chunk_data_payload_length (0x4001). */
  chunkDataLength?: number;
  chunkLayoutId?: number;
  /**
   * Not sent before this instant of `process.hrtime.bigint()` (CLOCK_MONOTONIC ns), at most a
   * minute ahead: a camera model queues a frame before its readout ends and the sender thread
   * sends it on time, whatever the event loop is doing then. Resends go out meanwhile.
   */
  notBefore?: bigint;
}

export interface GvspSendResult {
  packets: number;
  /** UDP payload bytes sent. */
  bytes: number;
}

export interface GvspSenderStats {
  blocksSent: number;
  packetsSent: number;
  bytesSent: number;
  packetsDroppedByFaults: number;
  packetsDuplicatedByFaults: number;
  packetsReorderedByFaults: number;
  resendRequests: number;
  resendRequestsIgnored: number;
  /** Refused: already queued, or the resend queue was full (a flood must not starve frames). */
  resendRequestsDropped: number;
  /** Refused: asked only for packet ids past the trailer of the block (or of the newest block, for an unknown one). */
  resendRequestsOutOfRange: number;
  /** Refused: the block's resend budget (twice its packet count) was spent. */
  resendRequestsOverBudget: number;
  /** Answered PACKET_UNAVAILABLE: the block was not (or no longer) in the history. */
  resendRequestsNotHeld: number;
  /** The last such request: the block id asked, and the oldest and newest ids the history held then. */
  lastResendNotHeld: { asked: number; oldestHeld: number; newestHeld: number } | null;
  /** Blocks and resends not sent because the destination changed or closed first. */
  jobsDroppedByDestinationChange: number;
  resendPacketsSent: number;
  resendUnavailablePackets: number;
  testPackets: number;
  sendErrors: number;
  segmentationOffloadSends: number;
  /** Blocks sent at their `notBefore`, and how late the sender thread took them (ns, total and worst). */
  blocksHeld: number;
  heldLatenessNsTotal: number;
  heldLatenessNsMax: number;
  queuedJobs: number;
  /** Resend and PACKET_UNAVAILABLE jobs waiting in the sender thread's queue. */
  queuedResends: number;
  historyBlocks: number;
  segmentationOffload: boolean;
  lastError: string | null;
}

export interface GvspSender {
  /** The source port (SCSP). */
  readonly port: number;
  configure(config: GvspSenderConfig): void;
  /** Leader → data packets → trailer; resolves when the last packet has left. */
  sendBlock(block: GvspBlock): Promise<GvspSendResult>;
  /** Answers a PACKETRESEND per `resendMode`; true when packets were queued. */
  resend(blockId: bigint, firstPacketId: number, lastPacketId: number): boolean;
  /** One packet whose IP datagram is `size` bytes (block id 0), to SCDA:SCP. */
  sendTestPacket(size: number): Promise<GvspSendResult>;
  stats(): GvspSenderStats;
  close(): Promise<void>;
}

export interface GvspSenderConstructor {
  new (options: GvspSenderOptions): GvspSender;
}

// ---- Scene ----

export interface RampParams {
  width: number;
  height: number;
  /** PFNC: Mono8, Mono10, Mono12, Mono16, Mono12Packed, Mono12p. */
  pixelFormat: number;
  originX?: number;
  originY?: number;
  stepX?: number;
  stepY?: number;
  binX?: number;
  binY?: number;
  reverseX?: boolean;
  reverseY?: boolean;
  /** Frame counter n (taken modulo 4096). */
  phase?: number | bigint;
  /** 4096-entry transfer table of 12-bit values; absent = identity. */
  lut?: Uint16Array;
}

// ---- Stream receiver ----

export interface ResendOptions {
  enabled?: boolean;
  /** Wait before asking for a gap, in case it is reordering (default 1000 µs). */
  reorderGraceUs?: number;
  /** Wait before asking again for the same packets (default 10000 µs). */
  retryIntervalUs?: number;
  /** PACKETRESEND commands per frame at most (default 1024). */
  maxRequestsPerFrame?: number;
  /** Packets requested per frame at most, as a fraction of its packets (default 0.25). */
  maxPacketRatio?: number;
  /** Frames whose requests got no answer before the camera counts as ignoring resends (default 3). */
  ignoredAfterFrames?: number;
}

export interface StreamReceiverOptions {
  bindAddress: string;
  bindPort?: number;
  /** The camera's address: GVSP is accepted from it only, and PACKETRESEND goes to it. */
  deviceAddress: string;
  /**
   * A multicast stream (the camera's GevSCDA is this group): the socket binds the group at
   * `bindPort` (shared with other receivers on this host) and joins it on the interface that holds
   * `bindAddress`. Absent: unicast to `bindAddress`.
   */
  multicastGroup?: string;
  /** Where PACKETRESEND goes (GVCP, default 3956). */
  devicePort?: number;
  /**
   * The camera's stream source port (SCSP), when it reports one. Otherwise the port of the first
   * packet from deviceAddress is taken; GVSP from any other source is rejected and counted.
   */
  sourcePort?: number;
  /** SCPS (IP datagram size), as configured on the camera. */
  packetSize: number;
  /** PayloadSize: the largest block; each pool buffer has this size. */
  maxPayloadSize: number;
  extendedIds?: boolean;
  bufferCount?: number;
  /**
   * Bytes of frame memory in all: the pool, plus frames handed over to JavaScript for good
   * (`frame.detach()`) that are not collected yet. Default four times the pool, and for small frames
   * at least the pool plus twice V8's 64 MiB collection trigger with 8 MiB of slack (spares and
   * new blocks), so that dropped frames are collected before the limit binds, and rarely
   * (`FramePool::defaultMemoryLimit`). Beyond it, detach() copies; once the copies not collected
   * yet reach a pool's worth (`copiedBytesLimit`), new frames are dropped (`framesDroppedMemoryLimit`)
   * until a collection ran — and if the copies outlived it, the flow keeps them: the bound doubles
   * (lib/stream/copy-budget.ts).
   */
  memoryLimit?: number;
  maxFramesInFlight?: number;
  /** Finished frames waiting for JavaScript at most (default 4). */
  queueLength?: number;
  queuePolicy?: 'dropOldest' | 'dropNewest';
  incompleteFrames?: 'deliver' | 'drop';
  /** Socket receive buffer to ask for (default 64 MiB; forced when privileged). */
  socketBufferBytes?: number;
  /** UDP GRO: the kernel hands over runs of packets in one message (default true). */
  receiveOffload?: boolean;
  batchPackets?: number;
  /**
   * The receive thread's nice value, -20 … 19 (default -10): above the process's, so that the
   * thread keeps up with the link while garbage collection and other work want the same cores.
   * Needs root, CAP_SYS_NICE or an RLIMIT_NICE that allows it (systemd: `LimitNICE=-10`); without,
   * the thread keeps the process's nice (`stats().receiveThreadNice` says which it got).
   */
  receiveThreadNice?: number;
  streamChannel?: number;
  resend?: boolean | ResendOptions;
  /** Longest wait for a due frame; capped by the measured frame period (default 100 ms). */
  frameTimeoutMs?: number;
  onFrame(frame: RawFrame): void;
  onWarning?(message: string): void;
}

/** What the native receiver hands over; lib/stream/index.ts turns it into a `Frame`. */
export interface RawFrame {
  /** The pool block the frame is in (the payload is its first payloadLength bytes); reused after release. */
  buffer: ArrayBuffer;
  /** The block payload's length (image, then chunks). */
  payloadLength: number;
  /** The pool slot and the lease under which JavaScript holds it (absent for an empty payload). */
  slot?: number;
  lease?: number;
  imageLength: number;
  blockId: bigint;
  timestamp: bigint;
  payloadType: number;
  pixelFormat: number;
  width: number;
  height: number;
  offsetX: number;
  offsetY: number;
  paddingX: number;
  paddingY: number;
  complete: boolean;
  leaderSeen: boolean;
  trailerSeen: boolean;
  expectedPackets: number;
  receivedPackets: number;
  resentPackets: number;
  missingPackets: number;
  /** When the block's first and last packets reached this host: ns since the epoch (see Frame.received). */
  hostFirstPacketNs?: bigint;
  hostLastPacketNs?: bigint;
  chunkDataLength?: number;
  chunkLayoutId?: number;
}

export interface StreamSocketInfo {
  receiveBufferRequested: number;
  /** getsockopt(SO_RCVBUF): Linux reports twice the usable size. */
  receiveBufferObtained: number;
  receiveBufferForced: boolean;
  receiveOffload: boolean;
  /** The kernel stamps each datagram's arrival (SO_TIMESTAMPNS): frames' `received` times are the kernel's. */
  kernelTimestamps: boolean;
  interface: string | null;
  mtu: number | null;
  packetSize: number;
  packetSizeFitsMtu: boolean | null;
  /** The multicast group joined (multicast streams), else null. */
  multicastGroup: string | null;
}

export interface StreamStats {
  framesComplete: number;
  framesIncomplete: number;
  framesDelivered: number;
  framesDropped: number;
  framesDroppedIncomplete: number;
  framesDroppedPoolExhausted: number;
  framesDroppedQueueFull: number;
  packetsReceived: number;
  packetsInPlace: number;
  packetsMissing: number;
  packetsResent: number;
  packetsDuplicate: number;
  packetsLate: number;
  packetsMalformed: number;
  packetsIgnored: number;
  packetsUnavailable: number;
  packetsDroppedBySocket: number;
  resendRequests: number;
  resendPacketsRequested: number;
  resendLimitReached: number;
  resendIgnoredDetected: boolean;
  payloadBytes: number;
  stagedBytes: number;
  receiveCalls: number;
  receiveMessages: number;
  receiveErrors: number;
  resendSendErrors: number;
  receiveThreadCpuMs: number;
  /** The receive thread's nice value (the one asked for, or the process's when it may not be lowered); null before the thread runs. */
  receiveThreadNice: number | null;
  framePeriodMs: number;
  callbackErrors: number;
  queuedFrames: number;
  buffersAvailable: number;
  bufferCount: number;
  /** Pool buffers JavaScript holds now (delivered frames not yet released). */
  buffersLent: number;
  /** Frames JavaScript kept for good without a copy (`frame.detach()`); their slots got new blocks. */
  buffersHandedOver: number;
  /**
   * Of those, hand-overs at the memory limit: the slot went without a block until a collected one
   * came back (the pool runs short and drops new frames meanwhile, instead of copying).
   */
  buffersHandedOverShort: number;
  /** Slots without a block now (handed over short, waiting for a block to come back). */
  buffersEmpty: number;
  /** Frame-memory blocks made new since the stream started (their pages fault in on first use, in the receive thread). */
  blocksAllocated: number;
  /** Blocks given back to the system since the stream started (after it closed; spares and reserve keep the rest). */
  blocksFreed: number;
  /** Blocks kept paged in for the next block that would be made new (not spares: V8's count treats them as freed). */
  blocksInReserve: number;
  /** Held frames whose blocks the receiver handed over itself because the pool ran dry. */
  buffersReclaimed: number;
  /**
   * Bytes of spare blocks (come back from collected frames, kept for the next) that the receiver
   * counts as external memory for V8, so that V8 sees frame memory as it is — in frames or spare —
   * and collects when it grows, not every few frames (see native/src/receiver_binding.cc).
   */
  spareBytesCounted: number;
  /**
   * V8's external-memory count, which drives its collections (not `process.memoryUsage().external`,
   * which counts ArrayBuffer memory only). Its changes tell what frame memory V8 sees; its value is
   * the whole process's.
   */
  v8ExternalMemoryBytes: number;
  /** Frame memory allocated now (pool, spares, handed-over blocks not yet collected) and its limit. */
  frameMemoryBytes: number;
  frameMemoryLimitBytes: number;
  /** GVSP from an address or port other than the camera's stream channel. */
  packetsRejected: number;
  /** detach() calls that copied because the memory limit allowed no hand-over (counted by lib/stream). */
  framesCopied: number;
  bytesCopied: number;
  /** Of those copies, the ones V8 has not collected yet, and their bytes. */
  copiesHeld: number;
  copiedBytesHeld: number;
  /**
   * Copied bytes held at which new frames wait for a collection: a pool's worth, doubled each time
   * copies outlive one (the flow keeps them), back to a pool's worth once the flow let go.
   */
  copiedBytesLimit: number;
  /** Frames dropped while copies waited for a collection (within framesDropped; not in framesDelivered). */
  framesDroppedMemoryLimit: number;
  /** Collections this stream's copies and drops asked V8 for (lib/stream/collection-request.ts). */
  collectionsRequested: number;
  dataBytesPerPacket: number;
  socket: StreamSocketInfo;
}

/** What lib/stream adds to the receiver's statistics. */
export const COUNTED_BY_LIB_STREAM = [
  'framesCopied',
  'bytesCopied',
  'copiesHeld',
  'copiedBytesHeld',
  'copiedBytesLimit',
  'framesDroppedMemoryLimit',
  'collectionsRequested',
] as const;
type CountedByLibStream = (typeof COUNTED_BY_LIB_STREAM)[number];

export interface StreamReceiver {
  readonly port: number;
  stats(): Omit<StreamStats, CountedByLibStream>;
  /** Gives a delivered frame's slot back to the pool; false when that lease had already ended. */
  release(slot: number, lease: number): boolean;
  /** Keeps a delivered frame's block for good (the slot gets another); false when over the memory limit. */
  handOver(slot: number, lease: number): boolean;
  /** Stops the receive thread and frees everything not held by JavaScript. */
  close(): Promise<void>;
}

export interface StreamReceiverConstructor {
  new (options: StreamReceiverOptions): StreamReceiver;
}

export interface UnpackOptions {
  /** Bytes after each source line (GVSP padding_x). */
  paddingX?: number;
  /** Where to write (2 × width × height bytes); a new Buffer otherwise. */
  dst?: Buffer;
}

// Plain functions of the addon (no `this`): declared as properties so they can be handed on unbound.
export interface NativeAddon {
  readonly abiVersion: number;
  setErrorFactory(factory: (code: string, message: string) => Error): void;
  readonly GvspSender: GvspSenderConstructor;
  /** Renders the scene into dst; returns the bytes written. */
  readonly renderRamp: (dst: Buffer, params: RampParams) => number;
  readonly StreamReceiver: StreamReceiverConstructor;
  /** GigE Vision Mono12Packed → 16-bit little-endian values 0…4095. */
  readonly unpackMono12Packed: (src: Buffer, width: number, height: number, options?: UnpackOptions | Buffer) => Buffer;
  /** PFNC Mono12p → 16-bit little-endian values 0…4095. */
  readonly unpackMono12p: (src: Buffer, width: number, height: number, options?: UnpackOptions | Buffer) => Buffer;
  /** Any mono format of pixel-formats.ts → 16-bit little-endian raw values. */
  readonly unpackToMono16: (src: Buffer, pixelFormat: number, width: number, height: number, options?: UnpackOptions | Buffer) => Buffer;
  /** Moves V8's external-memory count by a whole number of bytes (±1 GiB at most); returns the count. */
  readonly adjustExternalMemory: (change: number) => number;
}

let loadProblem: GigeError | null = null;

/**
 * The addon for this machine (see native-loader.ts), or — when none loads — a stand-in whose every
 * function throws the NATIVE_NOT_FOUND error, so that the package still loads: Node-RED registers
 * every node, and those that need frames say what is missing and how to fix it.
 */
function loadAddon(): NativeAddon {
  // GIGE_NATIVE_ADDON: another build of the same addon (the sanitizer run of test:native-asan).
  const result = loadNativeAddon<NativeAddon>(__dirname, process.env.GIGE_NATIVE_ADDON);
  if (!result.ok) {
    loadProblem = result.error;
    return unavailableAddon(result.error);
  }
  // The native codes are in GIGE_ERROR_CODES (test/architecture/error-codes.test.ts reads native/src).
  result.addon.setErrorFactory((code, message) => new GigeError(code as GigeErrorCode, message));
  return result.addon;
}

function unavailableAddon(problem: GigeError): NativeAddon {
  // A function, not an arrow: `new StreamReceiver(...)` must reach the throw, not fail as "not a constructor".
  function fail(): never {
    throw new GigeError(problem.code, problem.message, problem.details);
  }
  return {
    abiVersion: 0,
    setErrorFactory: () => undefined,
    GvspSender: fail as unknown as GvspSenderConstructor,
    renderRamp: fail,
    StreamReceiver: fail as unknown as StreamReceiverConstructor,
    unpackMono12Packed: fail,
    unpackMono12p: fail,
    unpackToMono16: fail,
    adjustExternalMemory: fail,
  };
}

/** Why the native core is unavailable (NATIVE_NOT_FOUND, with the fix), or null when it loaded. */
export function nativeCoreProblem(): GigeError | null {
  return loadProblem;
}

export const native: NativeAddon = loadAddon();
export const GvspSender: GvspSenderConstructor = native.GvspSender;
export const renderRamp: NativeAddon['renderRamp'] = native.renderRamp;
export const StreamReceiver: StreamReceiverConstructor = native.StreamReceiver;
export const unpackMono12Packed: NativeAddon['unpackMono12Packed'] = native.unpackMono12Packed;
export const unpackMono12p: NativeAddon['unpackMono12p'] = native.unpackMono12p;
export const unpackToMono16: NativeAddon['unpackToMono16'] = native.unpackToMono16;
