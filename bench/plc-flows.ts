/**
 * PLC trigger → result written, through the shipped PLC examples in the Node-RED runtime
 * (node-red-node-test-helper), on the emulated DMK 38GX541-a (inspection scene, 1400 × 1800 Mono8
 * station ROI, software trigger), against a Modbus TCP server (modbus-serial) and an OPC UA server
 * (node-opcua) on 127.0.0.1 playing the PLC — all in this one process, as a test runs them.
 *
 * One cycle, timed on the PLC's side: the PLC sets Trigger → … → the flow's write of Done arrives
 * at the server. The PLC program waits for Ready before each trigger, as a real one would.
 *
 *   npm run bench:plc                  200 cycles each (after 5 warm-up cycles)
 *   npm run bench:plc -- --cycles 50   fewer
 *
 * Prints `RESULT protocol=… cycles=… p50_ms=… p99_ms=… max_ms=… failed=…`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { helper } from '../test/flows/support';
import {
  startModbusPlc,
  startOpcUaPlc,
  plcCycle,
  expectedArea,
  loadModbusExample,
  loadOpcUaExample,
  disconnectOpcUaClients,
  PlcPeer,
} from '../test/flows/plc';
import { freePort } from '../test/support/processes';

const argCycles = process.argv.indexOf('--cycles');
const CYCLES = argCycles > 0 ? Number(process.argv[argCycles + 1]) : 200;
const WARMUP = 5;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

async function run(
  protocol: string,
  start: (port: number) => Promise<PlcPeer>,
  load: (port: number) => Promise<void>,
  unload: () => Promise<void>,
): Promise<void> {
  const port = await freePort();
  const plc = await start(port);
  await helper.startServer();
  try {
    await load(port);
    for (let i = 0; i < WARMUP; i++) await plcCycle(plc, 30000);
    const latencies: number[] = [];
    let failed = 0;
    for (let i = 0; i < CYCLES; i++) {
      const r = await plcCycle(plc, 30000);
      if (r.area !== expectedArea(r.part) || r.error) {
        failed += 1;
        console.log(
          `FAILED cycle ${i}: part ${r.part} area ${r.area} (expected ${expectedArea(r.part)}) error ${r.error} code ${r.errorCode}; writes: ${r.log.join('; ')}`,
        );
      }
      latencies.push(r.latencyMs);
    }
    latencies.sort((a, b) => a - b);
    console.log(
      `RESULT protocol=${protocol} cycles=${CYCLES} p50_ms=${percentile(latencies, 50).toFixed(1)} p99_ms=${percentile(latencies, 99).toFixed(1)} max_ms=${latencies[latencies.length - 1].toFixed(1)} min_ms=${latencies[0].toFixed(1)} failed=${failed}`,
    );
  } finally {
    await unload();
    await plc.close();
    await helper.stopServer();
  }
}

async function main(): Promise<void> {
  console.log(`PLC trigger → Done written, ${CYCLES} cycles per protocol, ${os.cpus().length} CPUs, Node ${process.version}`);
  await run(
    'modbus-tcp',
    startModbusPlc,
    (port) => loadModbusExample('127.0.77.2', port),
    () => helper.unload(),
  );
  const pki = fs.mkdtempSync(path.join(os.tmpdir(), 'gige-bench-opcua-'));
  try {
    await run(
      'opc-ua',
      (port) => startOpcUaPlc(port, pki),
      (port) => loadOpcUaExample('127.0.77.3', port),
      () => disconnectOpcUaClients(() => helper.unload()),
    );
  } finally {
    fs.rmSync(pki, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
