/**
 * The PLC side of the inspection examples, played by real protocol servers: a Modbus TCP server
 * (modbus-serial's ServerTCP) and an OPC UA server (node-opcua), each on 127.0.0.1. The PLC program
 * is the handshake of the examples' register maps: set Trigger, wait for Done, read the result,
 * clear Trigger, wait for Ready — timing each cycle from Trigger to Done on the server's side.
 */
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';

/** A server that keeps the PLC's bits and words and tells when the flow writes them. */
export interface PlcPeer {
  /** The flow's writes, in order (Modbus: coils and registers; OPC UA: variables by name). */
  readonly writes: EventEmitter;
  setTrigger(value: boolean): void;
  /** The PLC's current view: handshake bits and result words. */
  state(): PlcState;
  close(): Promise<void>;
}

export interface PlcState {
  ready: boolean;
  exposureComplete: boolean;
  triggerMissed: boolean;
  busy: boolean;
  done: boolean;
  pass: boolean;
  error: boolean;
  area: number;
  result: number;
  part: number;
  errorCode: number;
  cycle: number;
}

/** What one PLC cycle saw: the result words at Done, and the time from Trigger to Done. */
export interface CycleResult extends PlcState {
  latencyMs: number;
  /** The flow wrote Exposure complete before Done in this cycle. */
  exposureBeforeDone: boolean;
}

/** Resolves when `check()` holds after one of the flow's writes (or already), else rejects after `timeoutMs`. */
function whenWritten(peer: PlcPeer, check: () => boolean, what: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    if (check()) {
      resolve(performance.now());
      return;
    }
    const onWrite = () => {
      if (!check()) return;
      clearTimeout(timer);
      peer.writes.removeListener('write', onWrite);
      resolve(performance.now());
    };
    const timer = setTimeout(() => {
      peer.writes.removeListener('write', onWrite);
      reject(new Error(`PLC: ${what} not within ${timeoutMs} ms (state ${JSON.stringify(peer.state())})`));
    }, timeoutMs);
    peer.writes.on('write', onWrite);
  });
}

/** One handshake cycle as a PLC program runs it. */
export async function plcCycle(peer: PlcPeer, timeoutMs = 15000): Promise<CycleResult> {
  await whenWritten(peer, () => peer.state().ready && !peer.state().busy, 'Ready', timeoutMs);
  let exposedAt = Infinity;
  const onExposed = () => { if (peer.state().exposureComplete && exposedAt === Infinity) exposedAt = performance.now(); };
  peer.writes.on('write', onExposed);
  const triggeredAt = performance.now();
  peer.setTrigger(true);
  try {
    const doneAt = await whenWritten(peer, () => peer.state().done, 'Done', timeoutMs);
    const result = { ...peer.state(), latencyMs: doneAt - triggeredAt, exposureBeforeDone: exposedAt <= doneAt };
    return result;
  } finally {
    peer.writes.removeListener('write', onExposed);
    peer.setTrigger(false);
  }
}

// ---- Modbus TCP ----

/** Coil and holding-register addresses of the Modbus example's register map. */
export const MODBUS_MAP = {
  coils: { trigger: 0, ready: 1, exposureComplete: 2, triggerMissed: 3, busy: 4, done: 5, pass: 6, error: 7 },
  registers: { areaHigh: 0, areaLow: 1, result: 2, part: 3, errorCode: 4, cycle: 5 },
} as const;

export async function startModbusPlc(port: number): Promise<PlcPeer> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { ServerTCP } = require('modbus-serial') as { ServerTCP: new (vector: object, options: object) => EventEmitter & { close(cb: () => void): void } };
  const coils = new Array<boolean>(16).fill(false);
  const registers = new Array<number>(16).fill(0);
  const writes = new EventEmitter();
  const vector = {
    getCoil: (address: number) => coils[address] ?? false,
    getDiscreteInput: () => false,
    getInputRegister: () => 0,
    getHoldingRegister: (address: number) => registers[address] ?? 0,
    setCoil: (address: number, value: boolean) => {
      coils[address] = value;
      writes.emit('write', { kind: 'coil', address, values: [value] });
    },
    // A multiple-coil write lands at once, as in a PLC's process image.
    setCoilArray: (address: number, values: boolean[]) => {
      values.forEach((v, i) => { coils[address + i] = v; });
      writes.emit('write', { kind: 'coils', address, values });
    },
    setRegister: (address: number, value: number) => {
      registers[address] = value;
      writes.emit('write', { kind: 'register', address, values: [value] });
    },
  };
  const server = new ServerTCP(vector, { host: '127.0.0.1', port, unitID: 1, debug: false });
  await new Promise<void>((resolve, reject) => {
    server.once('initialized', () => resolve());
    server.once('serverError', reject);
  });
  const c = MODBUS_MAP.coils;
  const r = MODBUS_MAP.registers;
  return {
    writes,
    setTrigger(value) { coils[c.trigger] = value; },
    state: () => ({
      ready: coils[c.ready], exposureComplete: coils[c.exposureComplete], triggerMissed: coils[c.triggerMissed], busy: coils[c.busy],
      done: coils[c.done], pass: coils[c.pass], error: coils[c.error],
      area: registers[r.areaHigh] * 65536 + registers[r.areaLow], result: registers[r.result], part: registers[r.part],
      errorCode: registers[r.errorCode], cycle: registers[r.cycle],
    }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
