/**
 * The emulated device's message channel (MCP/MCDA/MCTT/MCRC/MCSP, bootstrap 0x0B00…): sends
 * EVENT/EVENTDATA commands from its own socket (MCSP) to MCDA:MCP, waits MCTT ms for the ack and
 * retransmits with the same request id up to MCRC times, then drops the event (counted).
 * Bounded: at most `MAX_OUTSTANDING` unacknowledged events, MCRC capped at `MAX_RETRIES`.
 */
import dgram from 'node:dgram';
import { Ack, Command, Flag, GvcpStatus, Bootstrap } from '../../gvcp/protocol';
import { decodeAck, encodeCommand, encodeEventCommand, encodeEventDataCommand, isCommandPacket } from '../../gvcp/codec';
import { ipToNumber, numberToIp } from '../../gvcp/address';
import type { OutgoingEvent } from '../device-model';
import { MAX_TIMER_MS, type Endpoint } from './privilege';

export const MAX_OUTSTANDING_EVENTS = 128;
export const MAX_EVENT_RETRIES = 16;
export const DEFAULT_MCTT_MS = 300;
export const DEFAULT_MCRC = 3;

interface Outstanding {
  packet: Buffer;
  retriesLeft: number;
  timer: NodeJS.Timeout | null;
  answer: number;
}

export interface MessageChannelStats {
  eventsSent: number;
  eventsAcknowledged: number;
  retransmissions: number;
  eventsDropped: number;
  eventsDiscardedClosed: number;
}

export interface MessageChannelOptions {
  bindAddress: string;
  destinationAllowed: (ip: string) => boolean;
  extendedIds: () => boolean;
  onWarning: (err: Error) => void;
}

export class MessageChannel {
  private socket: dgram.Socket | null = null;
  private mcp = 0;
  private mcda = 0;
  private mctt = DEFAULT_MCTT_MS;
  private mcrc = DEFAULT_MCRC;
  private nextId = 1;
  private readonly outstanding = new Map<number, Outstanding>();
  private readonly counters: MessageChannelStats = {
    eventsSent: 0,
    eventsAcknowledged: 0,
    retransmissions: 0,
    eventsDropped: 0,
    eventsDiscardedClosed: 0,
  };

  constructor(private readonly options: MessageChannelOptions) {}

  async start(): Promise<void> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address: this.options.bindAddress, port: 0 }, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.on('error', (err) => this.options.onWarning(err));
    socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
    this.socket = socket;
  }

  get isOpen(): boolean {
    return (this.mcp & 0xffff) !== 0 && this.socket !== null;
  }

  stats(): MessageChannelStats {
    return { ...this.counters };
  }

  read(address: number): { status: number; value: number } {
    switch (address) {
      case Bootstrap.MCP:
        return { status: 0, value: this.mcp };
      case Bootstrap.MCDA:
        return { status: 0, value: this.mcda };
      case Bootstrap.MCTT:
        return { status: 0, value: this.mctt };
      case Bootstrap.MCRC:
        return { status: 0, value: this.mcrc };
      case Bootstrap.MCSP:
        return { status: 0, value: this.socket ? this.socket.address().port : 0 };
      default:
        return { status: GvcpStatus.INVALID_ADDRESS, value: 0 };
    }
  }

  write(address: number, value: number, from: Endpoint): number {
    switch (address) {
      case Bootstrap.MCP: {
        if (value & 0x000f0000) return GvcpStatus.INVALID_PARAMETER; // only network interface 0
        const port = value & 0xffff;
        if (port !== 0) {
          if (this.mcda === 0) this.mcda = ipToNumber(from.address);
          if (!this.options.destinationAllowed(numberToIp(this.mcda))) return GvcpStatus.INVALID_PARAMETER;
        }
        this.mcp = port;
        if (port === 0) this.dropOutstanding();
        return GvcpStatus.SUCCESS;
      }
      case Bootstrap.MCDA:
        if (!this.options.destinationAllowed(numberToIp(value))) return GvcpStatus.INVALID_PARAMETER;
        this.mcda = value >>> 0;
        return GvcpStatus.SUCCESS;
      case Bootstrap.MCTT:
        this.mctt = value >>> 0;
        return GvcpStatus.SUCCESS;
      case Bootstrap.MCRC:
        if (value > MAX_EVENT_RETRIES) return GvcpStatus.INVALID_PARAMETER;
        this.mcrc = value >>> 0;
        return GvcpStatus.SUCCESS;
      case Bootstrap.MCSP:
        return GvcpStatus.WRITE_PROTECT;
      default:
        return GvcpStatus.INVALID_ADDRESS;
    }
  }

  /** Queue an event for the host; a no-op (counted) while the channel is closed. */
  send(event: OutgoingEvent): void {
    if (!this.isOpen || !this.socket) {
      this.counters.eventsDiscardedClosed += 1;
      return;
    }
    if (this.outstanding.size >= MAX_OUTSTANDING_EVENTS) {
      this.counters.eventsDropped += 1;
      return;
    }
    const extended = this.options.extendedIds();
    const item = {
      eventId: event.eventId,
      streamChannel: event.streamChannel ?? 0xffff,
      blockId: event.blockId ?? 0n,
      timestamp: event.timestamp,
      data: event.data,
    };
    let packet: Buffer;
    const requestId = this.takeId();
    try {
      const withData = event.data !== undefined;
      packet = encodeCommand({
        command: withData ? Command.EVENTDATA : Command.EVENT,
        flags: Flag.ACK_REQUIRED | (extended ? Flag.EXTENDED_IDS : 0),
        requestId,
        payload: withData ? encodeEventDataCommand(item, extended) : encodeEventCommand([item], extended),
      });
    } catch (err) {
      this.options.onWarning(err as Error);
      return;
    }
    const entry: Outstanding = {
      packet,
      retriesLeft: this.mcrc,
      timer: null,
      answer: event.data !== undefined ? Ack.EVENTDATA : Ack.EVENT,
    };
    this.outstanding.set(requestId, entry);
    this.counters.eventsSent += 1;
    this.transmit(requestId, entry);
  }

  private takeId(): number {
    const id = this.nextId;
    this.nextId = id >= 0xffff ? 1 : id + 1;
    return id;
  }

  private transmit(requestId: number, entry: Outstanding): void {
    if (!this.socket || !this.isOpen) {
      this.outstanding.delete(requestId);
      return;
    }
    this.socket.send(entry.packet, this.mcp & 0xffff, numberToIp(this.mcda), (err) => {
      if (err) this.options.onWarning(err);
    });
    if (this.mctt === 0) {
      this.outstanding.delete(requestId);
      return;
    }
    entry.timer = setTimeout(
      () => {
        entry.timer = null;
        if (!this.outstanding.has(requestId)) return;
        if (entry.retriesLeft > 0) {
          entry.retriesLeft -= 1;
          this.counters.retransmissions += 1;
          this.transmit(requestId, entry);
        } else {
          this.outstanding.delete(requestId);
          this.counters.eventsDropped += 1;
        }
      },
      Math.min(this.mctt, MAX_TIMER_MS),
    );
  }

  private onMessage(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    try {
      if (isCommandPacket(msg)) return;
      if (rinfo.address !== numberToIp(this.mcda)) return;
      const ack = decodeAck(msg);
      const entry = this.outstanding.get(ack.ackId);
      if (!entry || ack.answer !== entry.answer) return;
      if (entry.timer) clearTimeout(entry.timer);
      this.outstanding.delete(ack.ackId);
      this.counters.eventsAcknowledged += 1;
    } catch (err) {
      this.options.onWarning(err as Error);
    }
  }

  private dropOutstanding(): void {
    for (const entry of this.outstanding.values()) if (entry.timer) clearTimeout(entry.timer);
    this.outstanding.clear();
  }

  /** MCP ← 0 (control ended). */
  close(): void {
    this.mcp = 0;
    this.dropOutstanding();
  }

  /** The device moved to another address (FORCEIP): the channel's socket moves with it. */
  async rebind(bindAddress: string): Promise<void> {
    await this.dispose();
    this.options.bindAddress = bindAddress;
    await this.start();
  }

  async dispose(): Promise<void> {
    this.close();
    const socket = this.socket;
    this.socket = null;
    if (socket) await new Promise<void>((r) => socket.close(() => r()));
  }
}
