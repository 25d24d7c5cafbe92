/**
 * The host side of a GVCP control channel: one UDP socket talking to one device.
 *
 * GVCP is strictly request/acknowledge, so commands go out one at a time from a queue (heartbeats
 * jump the queue). A command that gets no ack is resent with the *same* request id; an ack counts
 * only when its ack id and answer code match the outstanding command, so late acks of earlier tries
 * and duplicates are dropped (and counted). PENDING_ACK moves the deadline to now + the time the
 * device asked for. Request ids are never 0 and wrap 0xFFFF → 1.
 */
import dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import {
  Ack,
  Command,
  Flag,
  GVCP_MAX_MEMORY_CHUNK,
  GVCP_MAX_READREG_ADDRESSES,
  GVCP_MAX_WRITEREG_PAIRS,
  GVCP_PORT,
  commandName,
} from './protocol';
import {
  GvcpAck,
  RegisterWrite,
  decodeAck,
  decodeIndexAck,
  decodePendingAck,
  decodeReadMemAck,
  decodeReadRegAck,
  encodeCommand,
  encodeReadMemCommand,
  encodeReadRegCommand,
  encodeWriteMemCommand,
  encodeWriteRegCommand,
  isCommandPacket,
} from './codec';
import { GvcpError, badArgument, checkPort } from './errors';
import { localAddressTowards } from './route';

export interface ControlChannelOptions {
  /** Device IPv4 address. */
  address: string;
  /** Device GVCP port (3956). */
  port?: number;
  /**
   * Local address to bind. Default: the address this host uses towards the device (its route), so
   * the control socket listens on the interface that reaches the camera, not on every interface.
   */
  localAddress?: string;
  /** Milliseconds to wait for an ack before resending (default 500). */
  timeoutMs?: number;
  /** Resends after the first try (default 3): a command is tried 1 + retries times. */
  retries?: number;
  /** First request id (1…0xFFFF); random when absent. Tests use it to exercise the wrap. */
  firstRequestId?: number;
  /**
   * How long PENDING_ACKs may keep one command waiting in all (default 30 000 ms): a device that
   * only ever answers "pending" must not hold every later command, heartbeats included, for good.
   */
  maxPendingMs?: number;
  /** Commands that may wait behind the current one (default 1000); more are refused (GVCP_BUSY). */
  maxQueued?: number;
}

export interface TransactOptions {
  flags?: number;
  timeoutMs?: number;
  retries?: number;
  /** Put this command in front of queued ones (heartbeats). */
  urgent?: boolean;
  /** Describes the target for error messages, e.g. "0x0A00". */
  what?: string;
}

export interface ControlChannelStats {
  commands: number;
  resends: number;
  timeouts: number;
  pendingAcks: number;
  /** Acks that matched no outstanding command (late acks of earlier tries, duplicates, strays). */
  ignoredAcks: number;
  malformedPackets: number;
  /** Tries that could not be sent (no route, interface down, refused by a firewall): counted as tries without answer. */
  sendErrors: number;
  /** Time of the last ack from the device (ms since epoch), 0 before the first. */
  lastAckAt: number;
}

interface Pending {
  command: number;
  packet: Buffer;
  requestId: number;
  timeoutMs: number;
  retriesLeft: number;
  tries: number;
  what?: string;
  /** When the first PENDING_ACK for this command came (ms, Date.now()). */
  pendingSince?: number;
  /** Why the latest try did not go out, if it did not. */
  sendError?: Error;
  resolve: (ack: GvcpAck) => void;
  reject: (err: Error) => void;
}

interface Queued {
  command: number;
  payload: Buffer;
  options: TransactOptions;
  resolve: (ack: GvcpAck) => void;
  reject: (err: Error) => void;
}

const ACK_FOR: Record<number, number> = {
  [Command.DISCOVERY]: Ack.DISCOVERY,
  [Command.FORCEIP]: Ack.FORCEIP,
  [Command.READREG]: Ack.READREG,
  [Command.WRITEREG]: Ack.WRITEREG,
  [Command.READMEM]: Ack.READMEM,
  [Command.WRITEMEM]: Ack.WRITEMEM,
  [Command.ACTION]: Ack.ACTION,
};

export class ControlChannel extends EventEmitter {
  readonly address: string;
  readonly port: number;
  private readonly socket: dgram.Socket;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly maxPendingMs: number;
  private readonly maxQueued: number;
  private nextId: number;
  /**
   * Registers per READREG/WRITEREG. A device without the concatenation capability handles only
   * one (Aravis' fake camera silently ignores the rest), so `GvcpDevice` sets this to 1 for it.
   */
  registersPerCommand = GVCP_MAX_READREG_ADDRESSES;
  private queue: Queued[] = [];
  private current: Pending | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly counters: ControlChannelStats = {
    commands: 0,
    resends: 0,
    timeouts: 0,
    pendingAcks: 0,
    ignoredAcks: 0,
    malformedPackets: 0,
    sendErrors: 0,
    lastAckAt: 0,
  };
  /** Told of every command sent (the native keep-alive steps in only when JavaScript sends nothing). */
  private readonly sendObservers = new Set<() => void>();
  private readonly closeHooks: Array<() => void> = [];

  private constructor(socket: dgram.Socket, options: ControlChannelOptions) {
    super();
    this.socket = socket;
    this.address = options.address;
    this.port = options.port ?? GVCP_PORT;
    this.timeoutMs = options.timeoutMs ?? 500;
    this.retries = options.retries ?? 3;
    this.maxPendingMs = options.maxPendingMs ?? 30000;
    this.maxQueued = options.maxQueued ?? 1000;
    this.nextId = options.firstRequestId ?? 1 + Math.floor(Math.random() * 0xfffe);
    socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
    // 'warning', not 'error': an unheard 'error' event would throw out of the socket callback.
    socket.on('error', (err) =>
      this.emit('warning', new GvcpError('GVCP_SOCKET', `GVCP socket to ${this.address}: ${err.message}`, {}, { cause: err })),
    );
  }

  static async open(options: ControlChannelOptions): Promise<ControlChannel> {
    // Checked before the socket exists: a refused option must not leave a bound socket behind.
    const first = options.firstRequestId;
    if (first !== undefined && (!Number.isInteger(first) || first < 1 || first > 0xffff)) {
      throw badArgument(`firstRequestId ${first} is not allowed; use 1…65535 (0 is reserved)`, { firstRequestId: first });
    }
    checkPort(options.port, 'port');
    const localAddress = options.localAddress ?? (await localAddressTowards(options.address, options.port ?? GVCP_PORT));
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => {
        socket.close();
        reject(
          new GvcpError(
            'GVCP_SOCKET',
            `cannot bind a GVCP socket on ${localAddress}: ${err.message}`,
            {
              localAddress,
            },
            { cause: err },
          ),
        );
      };
      socket.once('error', onError);
      socket.bind({ address: localAddress, port: 0 }, () => {
        socket.off('error', onError);
        resolve();
      });
    });
    return new ControlChannel(socket, options);
  }

  /** Local address and port of the channel's socket (the device identifies its primary by these). */
  localEndpoint(): { address: string; port: number } {
    const a = this.socket.address();
    return { address: a.address, port: a.port };
  }

  stats(): ControlChannelStats {
    return { ...this.counters };
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The next request id that will be used (never 0). */
  peekRequestId(): number {
    return this.nextId;
  }

  private takeRequestId(): number {
    const id = this.nextId;
    this.nextId = id >= 0xffff ? 1 : id + 1;
    return id;
  }

  /**
   * Request ids this channel then skips for the next 65 535 commands: for packets others send on
   * its socket (the native keep-alive), whose acks this channel ignores as not its own.
   */
  reserveRequestIds(count: number): number[] {
    return Array.from({ length: count }, () => this.takeRequestId());
  }

  /**
   * The socket's file descriptor, for a native thread that sends on it (same source IP:port, which
   * is how the device knows its controller); null where Node does not expose it.
   */
  fileDescriptor(): number | null {
    // Node keeps the handle behind a symbol (`socket._handle` is the deprecated way to reach it).
    const socket = this.socket as unknown as Record<symbol, { handle?: { fd?: unknown } } | undefined>;
    const state = Object.getOwnPropertySymbols(socket).find((symbol) => symbol.description === 'state symbol');
    const fd = state ? socket[state]?.handle?.fd : undefined;
    return typeof fd === 'number' && fd >= 0 ? fd : null;
  }

  /** `observer` runs after every try sent; returns a function that removes it. */
  observeSends(observer: () => void): () => void {
    this.sendObservers.add(observer);
    return () => this.sendObservers.delete(observer);
  }

  /**
   * `hook` runs synchronously before the socket closes: whatever writes on it stops first. Returns
   * a function that removes the hook again.
   */
  beforeClose(hook: () => void): () => void {
    this.closeHooks.push(hook);
    return () => {
      const index = this.closeHooks.indexOf(hook);
      if (index >= 0) this.closeHooks.splice(index, 1);
    };
  }

  /** Send a command and resolve with its successful ack; an error status rejects with `GvcpError`. */
  transact(command: number, payload: Buffer, options: TransactOptions = {}): Promise<GvcpAck> {
    if (this.closed) {
      return Promise.reject(
        new GvcpError('GVCP_CLOSED', `GVCP channel to ${this.address} is closed; ${commandName(command)} not sent`, {}),
      );
    }
    if (this.queue.length >= this.maxQueued && !options.urgent) {
      return Promise.reject(
        new GvcpError(
          'GVCP_BUSY',
          `GVCP channel to ${this.address}: ${this.queue.length} commands are already waiting; ${commandName(command)} not queued (limit ${this.maxQueued})`,
          {},
        ),
      );
    }
    return new Promise<GvcpAck>((resolve, reject) => {
      const item: Queued = { command, payload, options, resolve, reject };
      if (options.urgent) this.queue.unshift(item);
      else this.queue.push(item);
      this.pump();
    });
  }

  private pump(): void {
    if (this.current || this.closed) return;
    const next = this.queue.shift();
    if (!next) return;
    let packet: Buffer;
    const requestId = this.takeRequestId();
    try {
      packet = encodeCommand({ command: next.command, flags: next.options.flags ?? Flag.ACK_REQUIRED, requestId, payload: next.payload });
    } catch (err) {
      next.reject(err as Error);
      setImmediate(() => this.pump());
      return;
    }
    this.current = {
      command: next.command,
      packet,
      requestId,
      timeoutMs: next.options.timeoutMs ?? this.timeoutMs,
      retriesLeft: next.options.retries ?? this.retries,
      tries: 0,
      what: next.options.what,
      resolve: next.resolve,
      reject: next.reject,
    };
    this.counters.commands += 1;
    this.sendCurrent();
  }

  private sendCurrent(): void {
    const cur = this.current;
    if (!cur) return;
    cur.tries += 1;
    cur.sendError = undefined;
    // A try that cannot go out (ENETUNREACH with the interface down, EPERM from a firewall) is a
    // try without answer: the retries go on — the link may come back within them — and the final
    // error names the send error. Failing at once would hide a lost link behind a warning.
    const failed = (err: Error): void => {
      if (this.current !== cur) return;
      cur.sendError = err;
      this.counters.sendErrors += 1;
    };
    try {
      this.socket.send(cur.packet, this.port, this.address, (err) => {
        if (err) failed(err);
      });
    } catch (err) {
      failed(err as Error);
    }
    for (const observer of this.sendObservers) observer();
    this.arm(cur.timeoutMs);
  }

  private arm(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.onTimeout(), ms);
  }

  private onTimeout(): void {
    this.timer = null;
    const cur = this.current;
    if (!cur) return;
    // Decided after the event loop's poll phase: an ack that arrived while JavaScript was blocked
    // (a long synchronous task in some flow) is read first, instead of timing out a command whose
    // answer is already waiting in the socket.
    setImmediate(() => {
      if (this.current !== cur || this.timer || this.closed) return;
      this.retryOrFail(cur);
    });
  }

  private retryOrFail(cur: Pending): void {
    if (cur.retriesLeft > 0) {
      cur.retriesLeft -= 1;
      this.counters.resends += 1;
      this.sendCurrent();
      return;
    }
    this.counters.timeouts += 1;
    const target = cur.what ? `${commandName(cur.command)} ${cur.what}` : commandName(cur.command);
    if (cur.sendError) {
      this.finish(
        new GvcpError(
          'GVCP_SOCKET',
          `${this.address}: sending ${target} failed (${cur.tries} tries): ${cur.sendError.message}`,
          {
            command: commandName(cur.command),
            requestId: cur.requestId,
            device: this.address,
          },
          { cause: cur.sendError },
        ),
      );
      return;
    }
    this.finish(
      new GvcpError(
        'GVCP_TIMEOUT',
        `${this.address}: no answer to ${target} (request id ${cur.requestId}) after ${cur.tries} tries of ${cur.timeoutMs} ms; is the camera on and reachable?`,
        {
          command: commandName(cur.command),
          requestId: cur.requestId,
          device: this.address,
        },
      ),
    );
  }

  private finish(result: GvcpAck | Error): void {
    const cur = this.current;
    if (!cur) return;
    this.current = null;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (result instanceof Error) cur.reject(result);
    else cur.resolve(result);
    this.pump();
  }

  private onMessage(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    try {
      if (rinfo.address !== this.address || rinfo.port !== this.port) {
        this.counters.ignoredAcks += 1;
        return;
      }
      if (isCommandPacket(msg)) {
        this.counters.ignoredAcks += 1;
        return;
      }
      let ack: GvcpAck;
      try {
        ack = decodeAck(msg);
      } catch (err) {
        this.counters.malformedPackets += 1;
        this.emit('warning', err);
        return;
      }
      const cur = this.current;
      if (!cur || ack.ackId !== cur.requestId) {
        this.counters.ignoredAcks += 1;
        return;
      }
      this.counters.lastAckAt = Date.now();
      if (ack.answer === Ack.PENDING) {
        let ms: number;
        try {
          ms = decodePendingAck(ack.payload);
        } catch (err) {
          this.counters.malformedPackets += 1;
          this.emit('warning', err);
          return;
        }
        this.counters.pendingAcks += 1;
        const now = Date.now();
        cur.pendingSince ??= now;
        if (now - cur.pendingSince + ms > this.maxPendingMs) {
          this.counters.timeouts += 1;
          this.finish(
            new GvcpError(
              'GVCP_TIMEOUT',
              `${this.address}: ${commandName(cur.command)}${cur.what ? ` ${cur.what}` : ''} still pending after ${now - cur.pendingSince} ms of PENDING_ACKs (asked for ${ms} ms more); at most ${this.maxPendingMs} ms are granted`,
              {
                command: commandName(cur.command),
                requestId: cur.requestId,
                device: this.address,
              },
            ),
          );
          return;
        }
        // The device asked for more time: wait that long (plus our own margin) before a resend.
        this.arm(ms + cur.timeoutMs);
        return;
      }
      const expected = ACK_FOR[cur.command];
      if (expected !== undefined && ack.answer !== expected) {
        // Some devices answer an unknown command with a generic error ack: accept an error status
        // for any answer code, but a success only with the right one.
        if (ack.status === 0) {
          this.counters.ignoredAcks += 1;
          return;
        }
      }
      if (ack.status !== 0) {
        this.finish(GvcpError.fromStatus(ack.status, cur.command, this.address, cur.what));
        return;
      }
      this.finish(ack);
    } catch (err) {
      // Nothing may escape a socket callback.
      this.emit('warning', err);
    }
  }

  // Register and memory access --------------------------------------------------------------------

  async readRegisters(addresses: readonly number[], options: TransactOptions = {}): Promise<number[]> {
    const out: number[] = [];
    const per = Math.max(1, Math.min(GVCP_MAX_READREG_ADDRESSES, this.registersPerCommand));
    for (let i = 0; i < addresses.length; i += per) {
      const part = addresses.slice(i, i + per);
      const ack = await this.transact(Command.READREG, encodeReadRegCommand(part), { what: describeAddresses(part), ...options });
      out.push(...decodeReadRegAck(ack.payload, part.length));
    }
    return out;
  }

  async readRegister(address: number, options: TransactOptions = {}): Promise<number> {
    return (await this.readRegisters([address], options))[0];
  }

  async writeRegisters(writes: readonly RegisterWrite[], options: TransactOptions = {}): Promise<void> {
    const per = Math.max(1, Math.min(GVCP_MAX_WRITEREG_PAIRS, this.registersPerCommand));
    for (let i = 0; i < writes.length; i += per) {
      const part = writes.slice(i, i + per);
      const ack = await this.transact(Command.WRITEREG, encodeWriteRegCommand(part), {
        what: describeAddresses(part.map((w) => w.address)),
        ...options,
      });
      const index = decodeIndexAck(ack.payload);
      if (index !== undefined && part.length > 1 && index < part.length) {
        throw new GvcpError('GVCP_STATUS', `${this.address}: WRITEREG executed only ${index} of ${part.length} writes`, {
          index,
          count: part.length,
        });
      }
    }
  }

  writeRegister(address: number, value: number, options: TransactOptions = {}): Promise<void> {
    return this.writeRegisters([{ address, value }], options);
  }

  /** Read any byte range: split into ≤536-byte READMEMs, widened to 4-byte alignment and trimmed. */
  async readMemory(address: number, length: number, options: TransactOptions = {}): Promise<Buffer> {
    checkRange(address, length);
    if (length === 0) return Buffer.alloc(0);
    const start = address - (address % 4);
    const end = roundUp4(address + length);
    const out = Buffer.alloc(end - start);
    for (let a = start; a < end; a += GVCP_MAX_MEMORY_CHUNK) {
      const count = Math.min(GVCP_MAX_MEMORY_CHUNK, end - a);
      const ack = await this.transact(Command.READMEM, encodeReadMemCommand(a, count), {
        what: `0x${a.toString(16)} (${count} bytes)`,
        ...options,
      });
      decodeReadMemAck(ack.payload, { address: a, count }).data.copy(out, a - start);
    }
    return out.subarray(address - start, address - start + length);
  }

  /**
   * Write any byte range in ≤536-byte WRITEMEMs. Unaligned edges are completed by reading the
   * enclosing words first, since the protocol only moves whole 32-bit words.
   */
  async writeMemory(address: number, data: Buffer, options: TransactOptions = {}): Promise<void> {
    checkRange(address, data.length);
    if (data.length === 0) return;
    const start = address - (address % 4);
    const end = roundUp4(address + data.length);
    let words = data;
    if (start !== address || end !== address + data.length) {
      words = Buffer.from(await this.readMemory(start, end - start, options));
      data.copy(words, address - start);
    }
    for (let a = start; a < end; a += GVCP_MAX_MEMORY_CHUNK) {
      const chunk = words.subarray(a - start, Math.min(end, a + GVCP_MAX_MEMORY_CHUNK) - start);
      await this.transact(Command.WRITEMEM, encodeWriteMemCommand(a, chunk), {
        what: `0x${a.toString(16)} (${chunk.length} bytes)`,
        ...options,
      });
    }
  }

  /** Stop: the outstanding and queued commands reject with GVCP_CLOSED; the socket closes. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const err = (c: number): GvcpError =>
      new GvcpError('GVCP_CLOSED', `GVCP channel to ${this.address} closed before ${commandName(c)} was answered`, {});
    const cur = this.current;
    this.current = null;
    if (cur) cur.reject(err(cur.command));
    for (const q of this.queue.splice(0)) q.reject(err(q.command));
    for (const hook of this.closeHooks.splice(0)) {
      try {
        hook();
      } catch (hookError) {
        this.emit('warning', hookError);
      }
    }
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}

function roundUp4(n: number): number {
  return Math.ceil(n / 4) * 4;
}

function checkRange(address: number, length: number): void {
  if (!Number.isInteger(address) || address < 0 || !Number.isInteger(length) || length < 0 || address + length > 0x100000000) {
    throw badArgument(`memory range 0x${Number(address).toString(16)} + ${length} bytes is outside the 32-bit address space`, {
      address,
      length,
    });
  }
}

function describeAddresses(addresses: readonly number[]): string {
  const hex = addresses
    .slice(0, 4)
    .map((a) => `0x${a.toString(16).padStart(4, '0')}`)
    .join(', ');
  return addresses.length > 4 ? `${hex}, … (${addresses.length} registers)` : hex;
}
