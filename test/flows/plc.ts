/**
 * The PLC side of the inspection examples, played by real protocol servers: a Modbus TCP server
 * (modbus-serial's ServerTCP) and an OPC UA server (node-opcua), each on 127.0.0.1. The PLC program
 * is the handshake of the examples' register maps: set Trigger, wait for Done, read the result,
 * clear Trigger, wait for Ready — timing each cycle from Trigger to Done on the server's side.
 */
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { inspectionDefect, partBrightArea } from '../../lib/emulator';
import { helper, placeExample, CORE_NODES, ALL_PACKAGE_NODES } from './support';
import { nodeFile } from '../support/node-red-nodes';

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
  /** The flow's writes in this cycle, ms after Trigger (for failure messages). */
  log: string[];
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
  // Ready comes in the same request that clears Done; a server may apply that request's items in
  // any order, and a PLC sees the request whole at its next scan. Waiting for Ready alone let a
  // cycle start while the last cycle's Done still showed, and take it for its own (CI, OPC UA).
  await whenWritten(peer, () => peer.state().ready && !peer.state().busy && !peer.state().done, 'Ready', timeoutMs);
  let exposedAt = Infinity;
  const log: string[] = [];
  const onExposed = (write: unknown) => {
    log.push(`${(performance.now() - triggeredAt).toFixed(1)} ms ${JSON.stringify(write)}`);
    if (peer.state().exposureComplete && exposedAt === Infinity) exposedAt = performance.now();
  };
  peer.writes.on('write', onExposed);
  const triggeredAt = performance.now();
  peer.setTrigger(true);
  try {
    const doneAt = await whenWritten(peer, () => peer.state().done, 'Done', timeoutMs);
    const result = { ...peer.state(), latencyMs: doneAt - triggeredAt, exposureBeforeDone: exposedAt <= doneAt, log };
    return result;
  } finally {
    peer.writes.removeListener('write', onExposed);
    peer.setTrigger(false);
  }
}

/** What the emulator's inspection scene (seed 1) puts at the station in the frame with this block id. */
export function expectedArea(part: number): number {
  return partBrightArea(inspectionDefect({ kind: 'inspection' }, part));
}

// ---- Modbus TCP ----

/** Coil and holding-register addresses of the Modbus example's register map. */
export const MODBUS_MAP = {
  coils: { trigger: 0, ready: 1, exposureComplete: 2, triggerMissed: 3, busy: 4, done: 5, pass: 6, error: 7 },
  registers: { areaHigh: 0, areaLow: 1, result: 2, part: 3, errorCode: 4, cycle: 5 },
} as const;

export async function startModbusPlc(port: number): Promise<PlcPeer> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { ServerTCP } = require('modbus-serial') as {
    ServerTCP: new (vector: object, options: object) => EventEmitter & { close(cb: () => void): void };
  };
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
      values.forEach((v, i) => {
        coils[address + i] = v;
      });
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
    setTrigger(value) {
      coils[c.trigger] = value;
    },
    state: () => ({
      ready: coils[c.ready],
      exposureComplete: coils[c.exposureComplete],
      triggerMissed: coils[c.triggerMissed],
      busy: coils[c.busy],
      done: coils[c.done],
      pass: coils[c.pass],
      error: coils[c.error],
      area: registers[r.areaHigh] * 65536 + registers[r.areaLow],
      result: registers[r.result],
      part: registers[r.part],
      errorCode: registers[r.errorCode],
      cycle: registers[r.cycle],
    }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// ---- OPC UA ----

/** The OPC UA example's variables (ns=1;s=VisionStation.<name>) and their types. */
export const OPCUA_VARIABLES = {
  Trigger: 'Boolean',
  Ready: 'Boolean',
  ExposureComplete: 'Boolean',
  TriggerMissed: 'Boolean',
  Busy: 'Boolean',
  Done: 'Boolean',
  Pass: 'Boolean',
  Error: 'Boolean',
  Area: 'UInt32',
  Result: 'UInt16',
  Part: 'UInt32',
  ErrorCode: 'UInt16',
  Cycle: 'UInt32',
} as const;

/**
 * A node-opcua server on 127.0.0.1 (bound there, endpoints named there), no security, anonymous,
 * its PKI in `pkiDir`, with the example's variables in a VisionStation folder.
 */
export async function startOpcUaPlc(port: number, pkiDir: string): Promise<PlcPeer> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const opcua = require('node-opcua');
  const values = new Map<string, boolean | number>(
    Object.entries(OPCUA_VARIABLES).map(([name, type]) => [name, type === 'Boolean' ? false : 0]),
  );
  const writes = new EventEmitter();
  const server = new opcua.OPCUAServer({
    port,
    host: '127.0.0.1',
    hostname: '127.0.0.1',
    alternateHostname: [],
    allowAnonymous: true,
    securityModes: [opcua.MessageSecurityMode.None],
    securityPolicies: [opcua.SecurityPolicy.None],
    disableDiscovery: true,
    serverCertificateManager: new opcua.OPCUACertificateManager({
      rootFolder: `${pkiDir}/server`,
      automaticallyAcceptUnknownCertificate: true,
    }),
    buildInfo: { productName: 'test PLC', buildNumber: '1', buildDate: new Date(0) },
  });
  await server.initialize();
  const addressSpace = server.engine.addressSpace;
  const namespace = addressSpace.getOwnNamespace();
  const folder = namespace.addFolder(addressSpace.rootFolder.objects, { browseName: 'VisionStation' });
  for (const [name, type] of Object.entries(OPCUA_VARIABLES)) {
    namespace.addVariable({
      organizedBy: folder,
      browseName: name,
      nodeId: `s=VisionStation.${name}`,
      dataType: type,
      minimumSamplingInterval: 10,
      value: {
        get: () => new opcua.Variant({ dataType: opcua.DataType[type], value: values.get(name) }),
        set: (variant: { value: boolean | number }) => {
          values.set(name, variant.value);
          writes.emit('write', { kind: 'variable', name, value: variant.value });
          return opcua.StatusCodes.Good;
        },
      },
    });
  }
  await server.start();
  const get = (name: keyof typeof OPCUA_VARIABLES) => values.get(name) as never;
  return {
    writes,
    setTrigger(value) {
      values.set('Trigger', value);
    },
    state: () => ({
      ready: get('Ready'),
      exposureComplete: get('ExposureComplete'),
      triggerMissed: get('TriggerMissed'),
      busy: get('Busy'),
      done: get('Done'),
      pass: get('Pass'),
      error: get('Error'),
      area: get('Area'),
      result: get('Result'),
      part: get('Part'),
      errorCode: get('ErrorCode'),
      cycle: get('Cycle'),
    }),
    close: async () => {
      await server.shutdown(0);
    },
  };
}

// ---- the examples, loaded into the runtime on a test's camera address and PLC port ----

/** node-red-contrib-modbus 5.23.3 and node-red-contrib-opcua: the nodes the examples name (test-time devDependencies). */
const MODBUS_NODES = ['modbus-client', 'modbus-read', 'modbus-flex-write'].map((n) => nodeFile(`node-red-contrib-modbus/modbus/${n}.js`));
const OPCUA_NODES = ['105-opcuaendpoint', '102-opcuaclient'].map((n) => nodeFile(`node-red-contrib-opcua/opcua/${n}.js`));

export async function loadModbusExample(address: string, plcPort: number): Promise<void> {
  await helper.load(
    [...ALL_PACKAGE_NODES, ...CORE_NODES, ...MODBUS_NODES],
    placeExample('PLC inspection over Modbus TCP', (n) => {
      if (n.type === 'gige-camera-config') return { ...n, address };
      if (n.type === 'modbus-client') return { ...n, tcpPort: String(plcPort) };
      return n;
    }),
  );
}

export async function loadOpcUaExample(address: string, plcPort: number): Promise<void> {
  await helper.load(
    [...ALL_PACKAGE_NODES, ...CORE_NODES, ...OPCUA_NODES],
    placeExample('PLC inspection over OPC UA', (n) => {
      if (n.type === 'gige-camera-config') return { ...n, address };
      if (n.type === 'OpcUa-Endpoint') return { ...n, endpoint: `opc.tcp://127.0.0.1:${plcPort}` };
      return n;
    }),
  );
}

/**
 * Unloads the flow, then disconnects the OPC UA clients it leaves behind: node-red-contrib-opcua
 * 0.2.354 returns from a node's close before disconnecting its client, which then retries for good
 * once the server is gone.
 */
export async function disconnectOpcUaClients(unload: () => Promise<unknown>): Promise<void> {
  const clients = ['ua0trigger000001', 'ua0write00000001'].map(
    (id) => (helper.getNode(id) as unknown as { client?: { disconnect(): Promise<void> } } | null)?.client,
  );
  await unload();
  for (const client of clients) await client?.disconnect();
}
