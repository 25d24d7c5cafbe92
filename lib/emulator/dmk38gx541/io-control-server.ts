/**
 * The local control interface of an emulated camera's I/O connector, so that another process (the
 * `gige` CLI, a test, a flow) can drive TRIGGER_IN and read STROBE_OUT of a camera started with
 * `gige emulate`. Newline-delimited JSON over TCP, bound to the camera's own loopback address only:
 *
 *   → {"id":1,"op":"pulse","widthUs":100,"count":3,"periodUs":1000}
 *   ← {"id":1,"ok":true,"result":{"start":"1732…","end":"1732…"}}
 *   ← {"id":2,"ok":false,"error":"TRIGGER_IN pulse: pulse width 0 µs is not allowed; allowed > 0 µs"}
 *
 * Operations: `now`, `triggerInput` (level), `setTriggerInput` {high}, `pulse` {widthUs, count?,
 * periodUs?, delayUs?, high?}, `strobeOutput` (level), `strobeRecord` {since?}, `clearStrobeRecord`.
 * Device times are decimal strings of nanoseconds (64-bit). Lines longer than 4 KiB are refused.
 */
import * as net from 'node:net';
import { GigeError } from '../../errors';
import type { EmulatedCameraIo } from './camera-io';

export const DEFAULT_IO_CONTROL_PORT = 3957;
const MAX_LINE = 4096;
const MAX_CLIENTS = 8;

type Request = { id?: unknown; op?: unknown; [key: string]: unknown };

function jsonSafe(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
}

function optionalNumber(req: Request, key: string): number | undefined {
  const v = req[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new GigeError('INVALID_ARGUMENT', `${key} must be a number`);
  return v;
}

/** A device time: nanoseconds as a decimal string (64-bit) or a safe integer. */
function optionalDeviceTime(req: Request, key: string): bigint | undefined {
  const v = req[key];
  if (v === undefined) return undefined;
  if (typeof v === 'string' && /^\d{1,20}$/.test(v)) return BigInt(v);
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  throw new GigeError('INVALID_ARGUMENT', `${key} must be a device time: nanoseconds as a decimal string, e.g. "1732000000000000000"`);
}

function execute(io: EmulatedCameraIo, req: Request): unknown {
  switch (req.op) {
    case 'now':
      return io.now();
    case 'triggerInput':
      return io.triggerInput();
    case 'setTriggerInput':
      if (typeof req.high !== 'boolean') throw new GigeError('INVALID_ARGUMENT', 'setTriggerInput needs "high": true or false');
      return io.setTriggerInput(req.high);
    case 'pulse':
      return io.pulseTriggerInput({
        widthUs: optionalNumber(req, 'widthUs') ?? NaN,
        count: optionalNumber(req, 'count'),
        periodUs: optionalNumber(req, 'periodUs'),
        delayUs: optionalNumber(req, 'delayUs'),
        high: typeof req.high === 'boolean' ? req.high : undefined,
      });
    case 'strobeOutput':
      return io.strobeOutput();
    case 'strobeRecord':
      return io.strobeRecord(optionalDeviceTime(req, 'since'));
    case 'clearStrobeRecord':
      io.clearStrobeRecord();
      return null;
    default:
      throw new GigeError(
        'INVALID_ARGUMENT',
        `unknown operation ${JSON.stringify(req.op)}; allowed now, triggerInput, setTriggerInput, pulse, strobeOutput, strobeRecord, clearStrobeRecord`,
      );
  }
}

/** Handles one request line; never throws (errors become `{ok: false}` answers). */
export function answer(io: EmulatedCameraIo, line: string): string {
  let req: Request;
  try {
    req = JSON.parse(line) as Request;
    if (!req || typeof req !== 'object') throw new Error('not an object');
  } catch (err) {
    return JSON.stringify({ ok: false, error: `not a JSON request object: ${(err as Error).message}` });
  }
  try {
    return JSON.stringify({ id: req.id, ok: true, result: jsonSafe(execute(io, req)) });
  } catch (err) {
    return JSON.stringify({ id: req.id, ok: false, error: (err as Error).message });
  }
}

export class IoControlServer {
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    readonly address: string,
    readonly port: number,
  ) {}

  static async start(io: EmulatedCameraIo, address: string, port = DEFAULT_IO_CONTROL_PORT): Promise<IoControlServer> {
    if (!address.startsWith('127.'))
      throw new GigeError('EMULATOR_ADDRESS', `the I/O control interface binds loopback addresses only, not ${address}`);
    const server = net.createServer();
    server.maxConnections = MAX_CLIENTS;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) =>
        reject(
          new GigeError(
            'EMULATOR_BIND',
            `I/O control interface cannot listen on ${address}:${port}: ${err.message}`,
            { address, port },
            { cause: err },
          ),
        ),
      );
      server.listen(port, address, () => resolve());
    });
    const bound = server.address() as net.AddressInfo;
    const control = new IoControlServer(server, address, bound.port);
    server.on('connection', (socket) => control.serve(io, socket));
    server.on('error', () => undefined);
    return control;
  }

  private serve(io: EmulatedCameraIo, socket: net.Socket): void {
    this.sockets.add(socket);
    let buffered = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line) socket.write(answer(io, line) + '\n');
      }
      if (buffered.length > MAX_LINE) {
        socket.end(JSON.stringify({ ok: false, error: `request longer than ${MAX_LINE} bytes` }) + '\n');
        buffered = '';
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => this.sockets.delete(socket));
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A client for the interface (what `gige` uses): one request at a time, with a timeout. */
export class IoControlClient {
  private buffered = '';
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();

  private constructor(private readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', (err) => this.failAll(err));
    socket.on('close', () => this.failAll(new GigeError('IO_CONTROL_CLOSED', 'the emulator closed the I/O control connection')));
  }

  static connect(address: string, port = DEFAULT_IO_CONTROL_PORT, timeoutMs = 2000): Promise<IoControlClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: address, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(
          new GigeError('IO_CONTROL_TIMEOUT', `no emulator I/O control interface answered at ${address}:${port} within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new IoControlClient(socket));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(
          new GigeError(
            'IO_CONTROL_UNREACHABLE',
            `cannot reach the emulator I/O control interface at ${address}:${port}: ${err.message} (start the emulator with its I/O control enabled)`,
            {},
            { cause: err },
          ),
        );
      });
    });
  }

  request(op: string, args: Record<string, unknown> = {}, timeoutMs = 2000): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new GigeError('IO_CONTROL_TIMEOUT', `the emulator did not answer "${op}" within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.socket.write(JSON.stringify({ ...args, id, op }) + '\n');
    });
  }

  close(): void {
    this.socket.end();
    this.failAll(new GigeError('IO_CONTROL_CLOSED', 'I/O control client closed'));
  }

  private onData(chunk: string): void {
    this.buffered += chunk;
    let newline: number;
    while ((newline = this.buffered.indexOf('\n')) >= 0) {
      const line = this.buffered.slice(0, newline);
      this.buffered = this.buffered.slice(newline + 1);
      let reply: { id?: number; ok?: boolean; result?: unknown; error?: string };
      try {
        reply = JSON.parse(line);
      } catch {
        continue;
      }
      const waiter = reply.id === undefined ? undefined : this.pending.get(reply.id);
      if (!waiter) continue;
      this.pending.delete(reply.id as number);
      clearTimeout(waiter.timer);
      if (reply.ok) waiter.resolve(reply.result);
      else waiter.reject(new GigeError('IO_CONTROL_REFUSED', reply.error ?? 'refused'));
    }
  }

  private failAll(err: Error): void {
    for (const [id, waiter] of this.pending) {
      clearTimeout(waiter.timer);
      waiter.reject(err);
      this.pending.delete(id);
    }
  }
}
