/**
 * The host side of the message channel (events, §5): a UDP socket whose address the device learns
 * through MCDA/MCP. Every EVENT/EVENTDATA command is acknowledged — each retransmitted copy too,
 * since the device may have missed our first ack — but delivered once: copies are recognised by
 * source and request id among the recently seen ones.
 *
 * Only the device's message channel is heard: its IP and the source port it sends events from
 * (MCSP, bootstrap 0x0B1C, when the device publishes it — GigE Vision 1.1 and later; otherwise the
 * port of the first well-formed event from the device's IP). Anything else — a spoofed event from
 * the device's IP on another port among them — is neither acknowledged nor delivered.
 *
 * Emits `'event'` with a `GvcpEvent` per item, and `'warning'` for malformed packets.
 */
import dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import { Ack, Bootstrap, Command, Flag, GVCP_MAX_PAYLOAD, MESSAGE_CHANNEL_CAPABILITY_MCSP, commandName } from './protocol';
import { decodeCommand, decodeEventCommand, decodeEventDataCommand, encodeAck, isCommandPacket } from './codec';
import { ipToNumber } from './address';
import { GvcpError } from './errors';
import type { ControlChannel } from './control-channel';
import { localAddressTowards } from './route';

export interface GvcpEvent {
  eventId: number;
  /** 0xFFFF when the event is not tied to a stream channel. */
  streamChannel: number;
  blockId: bigint;
  /** Device ticks (ns for a 1 GHz device clock). */
  timestamp: bigint;
  /** EVENTDATA payload (absent for plain EVENT items). */
  data?: Buffer;
  /** Device address the event came from. */
  source: string;
  requestId: number;
}

export interface MessageChannelOptions {
  /** Local address to receive on; default: the address this host uses towards the device. */
  localAddress?: string;
  localPort?: number;
  /** MCTT: how long the device waits for our ack before resending (ms). */
  transmissionTimeoutMs?: number;
  /** MCRC: how many times the device resends an unacknowledged event. */
  retryCount?: number;
  /** How many recent request ids per source are remembered to drop duplicates (default 256). */
  dedupeWindow?: number;
}

export interface MessageChannelStats {
  packets: number;
  events: number;
  duplicates: number;
  malformed: number;
  /** Packets from another address or port than the device's message channel: not acknowledged, not delivered. */
  foreign: number;
}

/** Sources whose recent request ids are remembered (a listener without a device hears anyone). */
const MAX_SOURCES = 16;

export class MessageChannel extends EventEmitter {
  private readonly seen = new Map<string, { ids: number[]; set: Set<number> }>();
  private readonly counters: MessageChannelStats = { packets: 0, events: 0, duplicates: 0, malformed: 0, foreign: 0 };
  private closed = false;
  /** The device's event source port: MCSP, or learned from its first event; null until known. */
  private sourcePort: number | null = null;

  private constructor(
    private readonly socket: dgram.Socket,
    private readonly control: ControlChannel | null,
    private readonly window: number,
  ) {
    super();
    socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
    socket.on('error', (err) => this.emit('warning', err));
  }

  /** Bind a socket and, through `control` (which must hold control), point MCDA/MCP at it. */
  static async open(control: ControlChannel, options: MessageChannelOptions = {}): Promise<MessageChannel> {
    const local = options.localAddress ?? (await localAddressTowards(control.address, control.port));
    const socket = await bindSocket(local, options.localPort ?? 0);
    const channel = new MessageChannel(socket, control, options.dedupeWindow ?? 256);
    try {
      const writes: Array<{ address: number; value: number }> = [{ address: Bootstrap.MCDA, value: ipToNumber(local) }];
      if (options.transmissionTimeoutMs !== undefined) writes.push({ address: Bootstrap.MCTT, value: options.transmissionTimeoutMs });
      if (options.retryCount !== undefined) writes.push({ address: Bootstrap.MCRC, value: options.retryCount });
      writes.push({ address: Bootstrap.MCP, value: socket.address().port });
      for (const w of writes) await control.writeRegister(w.address, w.value, { what: `0x${w.address.toString(16)} (message channel)` });
      channel.sourcePort = await readSourcePort(control);
    } catch (err) {
      await channel.close(false);
      throw err;
    }
    return channel;
  }

  /** A receiver only (no registers written): for tests and for devices configured elsewhere. */
  static async listen(localAddress: string, localPort = 0, dedupeWindow = 256): Promise<MessageChannel> {
    return new MessageChannel(await bindSocket(localAddress, localPort), null, dedupeWindow);
  }

  get localPort(): number {
    return this.socket.address().port;
  }

  get localAddress(): string {
    return this.socket.address().address;
  }

  /** The device port events are accepted from (null: not known yet, or a listener without device). */
  get deviceSourcePort(): number | null {
    return this.sourcePort;
  }

  stats(): MessageChannelStats {
    return { ...this.counters };
  }

  private onMessage(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    try {
      if (!isCommandPacket(msg)) return;
      // Anyone on the network can reach this port; only the device's message channel is heard.
      const learning = this.control !== null && this.sourcePort === null;
      if (this.control && (rinfo.address !== this.control.address || (!learning && rinfo.port !== this.sourcePort))) {
        this.counters.foreign += 1;
        return;
      }
      this.counters.packets += 1;
      const cmd = decodeCommand(msg);
      if (cmd.command !== Command.EVENT && cmd.command !== Command.EVENTDATA) return;
      if (cmd.payload.length > GVCP_MAX_PAYLOAD) {
        throw new GvcpError(
          'GVCP_MALFORMED',
          `${commandName(cmd.command)} from ${rinfo.address} carries ${cmd.payload.length} bytes; GVCP allows at most ${GVCP_MAX_PAYLOAD}`,
          {},
        );
      }
      if (cmd.flags & Flag.ACK_REQUIRED) {
        const answer = cmd.command === Command.EVENT ? Ack.EVENT : Ack.EVENTDATA;
        this.socket.send(encodeAck({ answer, ackId: cmd.requestId }), rinfo.port, rinfo.address);
      }
      if (this.isDuplicate(rinfo.address, cmd.requestId)) {
        this.counters.duplicates += 1;
        return;
      }
      const extended = (cmd.flags & Flag.EXTENDED_IDS) !== 0;
      const items =
        cmd.command === Command.EVENT ? decodeEventCommand(cmd.payload, extended) : decodeEventDataCommand(cmd.payload, extended);
      // A device without MCSP: its port is the one its first well-formed event came from.
      if (learning) this.sourcePort = rinfo.port;
      for (const item of items) {
        this.counters.events += 1;
        // A copy: the event may be kept, the datagram need not be.
        const event: GvcpEvent = {
          ...item,
          ...(item.data ? { data: Buffer.from(item.data) } : {}),
          source: rinfo.address,
          requestId: cmd.requestId,
        };
        this.emit('event', event);
      }
    } catch (err) {
      this.counters.malformed += 1;
      this.emit('warning', err);
    }
  }

  private isDuplicate(source: string, requestId: number): boolean {
    let entry = this.seen.get(source);
    if (!entry) {
      if (this.seen.size >= MAX_SOURCES) this.seen.delete(this.seen.keys().next().value as string);
      entry = { ids: [], set: new Set() };
      this.seen.set(source, entry);
    }
    if (entry.set.has(requestId)) return true;
    entry.ids.push(requestId);
    entry.set.add(requestId);
    if (entry.ids.length > this.window) entry.set.delete(entry.ids.shift()!);
    return false;
  }

  /** Close the channel on the device (MCP ← 0, best effort) and the socket. */
  async close(releaseOnDevice = true): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (releaseOnDevice && this.control && !this.control.isClosed) {
      await this.control.writeRegister(Bootstrap.MCP, 0, { timeoutMs: 200, retries: 1 }).catch(() => undefined);
    }
    await new Promise<void>((r) => this.socket.close(() => r()));
  }
}

/**
 * The device's event source port from MCSP, when the message channel capability (0x0930) says the
 * register exists and it holds a port; null otherwise (older devices answer INVALID_ADDRESS).
 */
async function readSourcePort(control: ControlChannel): Promise<number | null> {
  try {
    const capability = await control.readRegister(Bootstrap.MESSAGE_CHANNEL_CAPABILITY, { what: '0x0930 (message channel capability)' });
    if (!(capability & MESSAGE_CHANNEL_CAPABILITY_MCSP)) return null;
    const port = (await control.readRegister(Bootstrap.MCSP, { what: '0x0b1c (MCSP: event source port)' })) & 0xffff;
    return port === 0 ? null : port;
  } catch (err) {
    if (err instanceof GvcpError && err.status !== undefined) return null;
    throw err;
  }
}

async function bindSocket(address: string, port: number): Promise<dgram.Socket> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => {
      socket.close();
      reject(new GvcpError('GVCP_SOCKET', `message channel: cannot bind ${address}:${port}: ${err.message}`, {}, { cause: err }));
    };
    socket.once('error', onError);
    socket.bind({ address, port }, () => {
      socket.off('error', onError);
      resolve();
    });
  });
  return socket;
}
