/**
 * Stream channel 0 of the emulated device: the SCP/SCPS/SCPD/SCDA/SCSP/SCC/SCCFG registers
 * (bootstrap 0x0D00…) and the native GVSP sender behind them. Block ids start at 1 each time the
 * channel opens and wrap 0xFFFF → 1 with standard ids (0 is the test packet's).
 */
import { GigeError } from '../../errors';
import { GvcpStatus, Scps, StreamChannelRegister } from '../../gvcp/protocol';
import { numberToIp, ipToNumber } from '../../gvcp/address';
import { RESEND_HISTORY_BLOCKS, type OutgoingBlock, type StreamChannelConfig } from '../device-model';
import type { PacketResendRequest } from '../../gvcp/codec';
import type { GvspFaults, GvspSender as NativeGvspSender, GvspSenderConstructor, GvspSenderStats } from '../../stream/native';
import type { Endpoint } from './privilege';

/** What the stream channel needs of the native sender (tests may inject another implementation). */
export type BlockSender = Pick<NativeGvspSender, 'port' | 'configure' | 'sendBlock' | 'resend' | 'sendTestPacket' | 'close'> &
  Partial<Pick<NativeGvspSender, 'stats'>>;

/** The native sender's counters, with the resend requests it refused (queue full, or already queued). */
export type BlockSenderStats = GvspSenderStats;

export type BlockSenderFactory = (options: { bindAddress: string }) => BlockSender;

/** Loads `lib/stream/native` on first use, so control-only devices (and their tests) need no addon. */
export const nativeSenderFactory: BlockSenderFactory = (options) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const native = require('../../stream/native') as { GvspSender: GvspSenderConstructor };
  return new native.GvspSender(options);
};

export interface PacketSizeLimits {
  min: number;
  max: number;
  inc: number;
  default: number;
}

export const DEFAULT_PACKET_SIZE: PacketSizeLimits = { min: 576, max: 9000, inc: 4, default: 1500 };

/** SCCx: we support unconditional streaming (keep streaming after control ends) and nothing else optional. */
export const SCC_UNCONDITIONAL_STREAMING = 0x02;

const MAX_RESERVED_BLOCK_IDS = 64;

export interface StreamChannelOptions {
  bindAddress: string;
  /** Wire rate the sender is paced to, IP-datagram bytes/s (a GigE link: 125e6); 0 = unpaced. */
  bandwidthBytesPerSecond: number;
  /** UDP segmentation offload in the sender (default: the sender's own default, on). */
  segmentationOffload?: boolean;
  senderFactory: BlockSenderFactory;
  packetSize: PacketSizeLimits;
  /** May the channel stream to this address? (loopback only unless the server allows more). */
  destinationAllowed: (ip: string) => boolean;
  extendedIds: () => boolean;
  onChange: (config: StreamChannelConfig | null) => void;
  onWarning: (err: Error) => void;
}

export class StreamChannel {
  private scp = 0;
  private scps: number;
  private scpd = 0;
  private scda = 0;
  private sccfg = 0;
  private sender: BlockSender | null = null;
  private senderError: Error | null = null;
  private nextBlockId = 1n;
  /** Seeded network faults on this channel's packets (tests: loss the host must notice), or none. */
  private faults: GvspFaults | null = null;
  /**
   * Ids reserved for this destination and not yet sent. A frame read out after the host closed or
   * redirected the channel carries an id of the old session and is not sent to the next host.
   */
  private readonly reserved = new Set<bigint>();
  blocksSent = 0;
  resendRequests = 0;
  /** PACKETRESEND from an address other than the stream's destination (SCDA): not answered. */
  resendRequestsRefused = 0;

  constructor(private readonly options: StreamChannelOptions) {
    this.scps = options.packetSize.default;
  }

  get isOpen(): boolean {
    return (this.scp & 0xffff) !== 0;
  }

  /** GevSCDA is a multicast group (224.0.0.0/4): every host that joined it receives the stream. */
  get multicast(): boolean {
    return this.scda >>> 28 === 0xe;
  }

  get unconditional(): boolean {
    return (this.sccfg & SCC_UNCONDITIONAL_STREAMING) !== 0;
  }

  config(): StreamChannelConfig | null {
    if (!this.isOpen) return null;
    return {
      destinationAddress: numberToIp(this.scda),
      destinationPort: this.scp & 0xffff,
      packetSize: this.scps & Scps.SIZE_MASK,
      packetDelayTicks: this.scpd,
      doNotFragment: (this.scps & Scps.DO_NOT_FRAGMENT) !== 0,
      extendedIds: this.options.extendedIds(),
    };
  }

  /** The sender is created on first need, so a device that never streams needs no native addon. */
  private ensureSender(): BlockSender | null {
    if (this.sender || this.senderError) return this.sender;
    try {
      this.sender = this.options.senderFactory({ bindAddress: this.options.bindAddress });
    } catch (err) {
      this.senderError = err as Error;
      this.options.onWarning(
        new GigeError('EMULATOR_STREAM', `stream channel: cannot create the GVSP sender: ${(err as Error).message}`, {}, { cause: err }),
      );
    }
    return this.sender;
  }

  read(offset: number): { status: number; value: number } {
    switch (offset) {
      case StreamChannelRegister.SCP:
        return ok(this.scp);
      case StreamChannelRegister.SCPS:
        return ok(this.scps >>> 0);
      case StreamChannelRegister.SCPD:
        return ok(this.scpd);
      case StreamChannelRegister.SCDA:
        return ok(this.scda);
      case StreamChannelRegister.SCSP:
        return ok(this.ensureSender()?.port ?? 0);
      case StreamChannelRegister.SCC:
        return ok(SCC_UNCONDITIONAL_STREAMING);
      case StreamChannelRegister.SCCFG:
        return ok(this.sccfg);
      default:
        return offset >= 0 && offset < 0x40 && offset % 4 === 0 ? ok(0) : { status: GvcpStatus.INVALID_ADDRESS, value: 0 };
    }
  }

  write(offset: number, value: number, from: Endpoint): number {
    switch (offset) {
      case StreamChannelRegister.SCP: {
        if (value & 0x000f0000) return GvcpStatus.INVALID_PARAMETER; // only network interface 0 exists
        const port = value & 0xffff;
        if (port !== 0) {
          if (this.scda === 0) this.scda = ipToNumber(from.address);
          if (!this.options.destinationAllowed(numberToIp(this.scda))) return GvcpStatus.INVALID_PARAMETER;
          if (!this.ensureSender()) return GvcpStatus.ERROR;
          if (!this.isOpen) this.nextBlockId = 1n;
        }
        if (port !== (this.scp & 0xffff)) this.reserved.clear();
        this.scp = port;
        return this.reconfigure();
      }
      case StreamChannelRegister.SCPS: {
        const size = value & Scps.SIZE_MASK;
        const { min, max, inc } = this.options.packetSize;
        if (size < min || size > max) return GvcpStatus.INVALID_PARAMETER;
        const rounded = size - ((size - min) % inc);
        this.scps = (rounded | (value & Scps.DO_NOT_FRAGMENT)) >>> 0;
        const status = this.reconfigure();
        if (status === 0 && value & Scps.FIRE_TEST_PACKET) this.fireTestPacket();
        return status;
      }
      case StreamChannelRegister.SCPD:
        this.scpd = value >>> 0;
        return this.reconfigure();
      case StreamChannelRegister.SCDA: {
        if (!this.options.destinationAllowed(numberToIp(value))) return GvcpStatus.INVALID_PARAMETER;
        if (value >>> 0 !== this.scda) this.reserved.clear();
        this.scda = value >>> 0;
        return this.reconfigure();
      }
      case StreamChannelRegister.SCCFG:
        this.sccfg = value & SCC_UNCONDITIONAL_STREAMING;
        return GvcpStatus.SUCCESS;
      case StreamChannelRegister.SCSP:
      case StreamChannelRegister.SCC:
        return GvcpStatus.WRITE_PROTECT;
      default:
        return GvcpStatus.INVALID_ADDRESS;
    }
  }

  private reconfigure(): number {
    const config = this.config();
    if (this.sender) {
      try {
        this.sender.configure({
          destinationAddress: config ? config.destinationAddress : '127.0.0.1',
          destinationPort: config ? config.destinationPort : 0,
          packetSize: this.scps & Scps.SIZE_MASK,
          extendedIds: this.options.extendedIds(),
          packetDelayNs: this.scpd,
          bandwidthBytesPerSecond: this.options.bandwidthBytesPerSecond,
          ...(this.options.segmentationOffload === undefined ? {} : { segmentationOffload: this.options.segmentationOffload }),
          doNotFragment: (this.scps & Scps.DO_NOT_FRAGMENT) !== 0,
          historyBlocks: RESEND_HISTORY_BLOCKS,
          ...(this.faults ? { faults: this.faults } : {}),
        });
      } catch (err) {
        this.options.onWarning(err as Error);
        return GvcpStatus.INVALID_PARAMETER;
      }
    }
    this.options.onChange(config);
    return GvcpStatus.SUCCESS;
  }

  private fireTestPacket(): void {
    if (!this.isOpen || !this.sender) return;
    try {
      this.sender.sendTestPacket(this.scps & Scps.SIZE_MASK).then(undefined, (err: Error) => this.options.onWarning(err));
    } catch (err) {
      this.options.onWarning(err as Error);
    }
  }

  /**
   * Seeded faults (loss, bursts, reordering, duplicates: native/src/fault_plan.h) on every packet
   * from the next block on; null ends them. The faults are the wire's, not the camera's: SCPS and
   * the registers are unchanged.
   */
  setFaults(faults: GvspFaults | null): void {
    this.faults = faults ? { ...faults } : null;
    this.ensureSender();
    const status = this.reconfigure();
    if (status !== GvcpStatus.SUCCESS)
      throw new GigeError('INVALID_ARGUMENT', `stream faults ${JSON.stringify(faults)} were refused by the sender`, {});
  }

  /** The extended-id setting changed (bootstrap 0x0960): the sender must know. */
  refresh(): void {
    if (this.isOpen) this.reconfigure();
  }

  /** The id of the next block (reserved: later blocks get later ids), or null while closed. */
  reserveBlockId(): bigint | null {
    if (!this.isOpen) return null;
    const blockId = this.nextBlockId;
    this.nextBlockId = this.options.extendedIds() ? blockId + 1n : blockId >= 0xffffn ? 1n : blockId + 1n;
    this.reserved.add(blockId);
    // Frames in flight are few; ids reserved for frames that never reached sendBlock age out.
    if (this.reserved.size > MAX_RESERVED_BLOCK_IDS) this.reserved.delete(this.reserved.values().next().value as bigint);
    return blockId;
  }

  async sendBlock(block: OutgoingBlock): Promise<bigint> {
    if (!this.isOpen || !this.sender) {
      throw new GigeError('STREAM_CLOSED', 'stream channel 0 is closed (SCP is 0): no host receives blocks; open it before sending', {});
    }
    if (block.blockId !== undefined && !this.reserved.delete(block.blockId)) {
      throw new GigeError(
        'STREAM_CLOSED',
        `block ${block.blockId} was reserved before the stream channel was closed or given another destination; it is not sent to the new one`,
        {},
      );
    }
    const blockId = block.blockId ?? this.reserveBlockId()!;
    this.reserved.delete(blockId);
    await this.sender.sendBlock({
      blockId,
      timestamp: block.timestamp,
      payloadType: block.chunkDataLength ? 0x4001 : 0x0001,
      pixelFormat: block.pixelFormat,
      width: block.width,
      height: block.height,
      offsetX: block.offsetX,
      offsetY: block.offsetY,
      paddingX: block.paddingX,
      paddingY: block.paddingY,
      data: block.data,
      chunkDataLength: block.chunkDataLength,
      chunkLayoutId: block.chunkLayoutId,
      notBefore: block.notBefore,
    });
    this.blocksSent += 1;
    return blockId;
  }

  /**
   * PACKETRESEND. The packets go to the stream's destination whoever asks, so a request from any
   * other address is refused: otherwise anyone could aim the camera's bandwidth at the receiver.
   */
  resend(request: PacketResendRequest, from: Endpoint): void {
    if (request.streamChannel !== 0 || !this.isOpen || !this.sender) return;
    // A multicast stream's receivers (the controller and its monitors) all ask from their own
    // unicast addresses; the packets go to the group whoever asks, so nobody can aim them elsewhere.
    if (from.address !== numberToIp(this.scda) && !this.multicast) {
      this.resendRequestsRefused += 1;
      return;
    }
    this.resendRequests += 1;
    try {
      this.sender.resend(request.blockId, request.firstPacketId, request.lastPacketId);
    } catch (err) {
      this.options.onWarning(err as Error);
    }
  }

  /** The sender's own counters, or null before it exists (or when it keeps none). */
  senderStats(): BlockSenderStats | null {
    const stats = this.sender?.stats?.();
    return stats ?? null;
  }

  /** SCP ← 0: the host no longer receives. */
  close(): void {
    if (!this.isOpen) return;
    this.scp = 0;
    this.reserved.clear();
    this.reconfigure();
  }

  /** The device moved to another address (FORCEIP): the next sender binds there. */
  async rebind(bindAddress: string): Promise<void> {
    await this.dispose();
    this.options.bindAddress = bindAddress;
    this.senderError = null;
  }

  async dispose(): Promise<void> {
    this.scp = 0;
    const sender = this.sender;
    this.sender = null;
    if (sender) await sender.close();
  }
}

function ok(value: number): { status: number; value: number } {
  return { status: GvcpStatus.SUCCESS, value: value >>> 0 };
}
