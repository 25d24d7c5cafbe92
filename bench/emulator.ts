/**
 * npm run bench:emulator — can the emulated camera's wire-shaped sender (no segmentation offload:
 * every datagram ≤ GevSCPSPacketSize, sendmmsg batches) keep up with the camera's own frame rates,
 * and what does it cost?
 *
 * For each row of the manual's frame-rate tables (5.1.4) and packet sizes 1500 and 9000, it runs
 * `gige emulate` (the built CLI, a process of its own) paced to the camera's 1 Gbit/s link, sets the
 * row's geometry, pixel format and frame rate, and receives with the project's native receiver in
 * this process for --duration seconds after a warm-up. It prints, per row: the frame rate asked and
 * achieved, frames complete/incomplete, MB/s, the emulator process's CPU (its JavaScript thread and
 * the sender thread; on loopback the kernel's receive work runs inside the sender's system calls
 * and is charged to it too), the receiver's, and the machine's (/proc/stat). With --gso it repeats
 * the 4504² Mono8 rows with segmentation offload, the benchmark-only mode, for comparison. Ends with
 *   RESULT mono8_4504_1500_fps=<n> mono8_4504_1500_cpu_pct=<n> mono8_4504_9000_fps=<n> mono8_4504_9000_cpu_pct=<n>
 *
 * Everything runs on 127.x in the root namespace (no discovery broadcasts; unicast only).
 * Options: --duration 5  --warmup 1  --packet-sizes 1500,9000  --rows all|4504  --gso
 */
import * as fs from 'node:fs';
import { GvcpDevice } from '../lib/gvcp/device';
import { ipToNumber } from '../lib/gvcp/address';
import { NodeMap, loadDeviceXml } from '../lib/genicam';
import { Frame, openStream } from '../lib/stream';
import { CLI, launchEmulator, type EmulatorProcess } from './flow/emulators';
import { sampleCpu } from './stream/cpu';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const DURATION_S = Number(arg('duration') ?? 5);
const WARMUP_S = Number(arg('warmup') ?? 1);
const PACKET_SIZES = (arg('packet-sizes') ?? '1500,9000').split(',').map(Number);
const ADDRESS = `127.${60 + (process.pid % 100)}.0.2`;

/** The manual's table (5.1.4): pixel format, width, height, maximum frame rate at packet size 1500. */
const TABLE: Array<[string, number, number, number]> = [
  ['Mono8', 4504, 4504, 5],
  ['Mono8', 1920, 1080, 30],
  ['Mono8', 640, 480, 62],
  ['Mono12Packed', 4504, 4504, 3],
  ['Mono12Packed', 1920, 1080, 30],
  ['Mono16', 4504, 4504, 2],
  ['Mono16', 1920, 1080, 28],
];

interface Row {
  format: string;
  width: number;
  height: number;
  packetSize: number;
  gso: boolean;
  askedFps: number;
  fps: number;
  complete: number;
  incomplete: number;
  mbps: number;
  emulatorCpuPct: number;
  receiverCpuPct: number;
  systemCpuPct: number;
}

function startEmulator(gso: boolean): Promise<EmulatorProcess> {
  return launchEmulator(
    [process.execPath, CLI, 'emulate', '--address', ADDRESS, '--no-io', ...(gso ? ['--segmentation-offload'] : [])],
    ADDRESS,
  );
}

async function measure(
  emulator: EmulatorProcess,
  format: string,
  width: number,
  height: number,
  askedFps: number,
  packetSize: number,
  gso: boolean,
): Promise<Row> {
  const device = await GvcpDevice.connect({ address: ADDRESS });
  const map = NodeMap.fromXml(await loadDeviceXml(device.port, { cacheDir: false }), { device: device.port });
  const stream = openStream({
    bindAddress: '127.0.0.1',
    deviceAddress: ADDRESS,
    packetSize,
    maxPayloadSize: width * height * 2,
    bufferCount: 16,
    socketBufferBytes: 64 << 20,
  });
  try {
    for (const [name, value] of [
      ['AcquisitionStop', null],
      ['OffsetAutoCenter', 'On'],
      ['Width', width],
      ['Height', height],
      ['PixelFormat', format],
      ['ExposureAuto', 'Off'],
      ['ExposureTime', 1000],
      ['GevSCPSPacketSize', packetSize],
    ] as const) {
      if (value === null) await map.execute(name);
      else await map.setValue(name, value);
    }
    const max = Number(((await map.describe('AcquisitionFrameRate')) as { max?: number }).max ?? askedFps);
    const fps = Math.min(askedFps, max);
    await map.setValue('AcquisitionFrameRate', fps);
    let complete = 0;
    let incomplete = 0;
    let bytes = 0;
    stream.on('frame', (frame: Frame) => {
      if (frame.status === 'complete') complete += 1;
      else incomplete += 1;
      bytes += frame.data.length;
    });
    await map.setValue('GevSCDA', ipToNumber('127.0.0.1'));
    await map.setValue('GevSCPHostPort', stream.port);
    await map.execute('AcquisitionStart');
    await new Promise((r) => setTimeout(r, WARMUP_S * 1000));
    const pids = [emulator.pid, process.pid];
    const before = sampleCpu(pids);
    const start = { complete, incomplete, bytes };
    await new Promise((r) => setTimeout(r, DURATION_S * 1000));
    const after = sampleCpu(pids);
    const seconds = (after.at - before.at) / 1000;
    const got = { complete: complete - start.complete, incomplete: incomplete - start.incomplete, bytes: bytes - start.bytes };
    await map.execute('AcquisitionStop');
    return {
      format,
      width,
      height,
      packetSize,
      gso,
      askedFps: fps,
      fps: (got.complete + got.incomplete) / seconds,
      complete: got.complete,
      incomplete: got.incomplete,
      mbps: got.bytes / seconds / 1e6,
      emulatorCpuPct: (100 * (after.perProcess[0] - before.perProcess[0])) / seconds,
      receiverCpuPct: (100 * (after.perProcess[1] - before.perProcess[1])) / seconds,
      systemCpuPct: (100 * (after.busySeconds - before.busySeconds)) / seconds,
    };
  } finally {
    await map.setValue('GevSCPHostPort', 0).catch(() => undefined);
    await stream.close();
    await device.close();
  }
}

async function main(): Promise<void> {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: npm run build first`);
  const rows = arg('rows') === '4504' ? TABLE.filter(([, w]) => w === 4504) : TABLE;
  const plans: Array<{ gso: boolean; rows: typeof TABLE }> = [{ gso: false, rows }];
  if (process.argv.includes('--gso')) plans.push({ gso: true, rows: TABLE.filter(([f, w]) => f === 'Mono8' && w === 4504) });
  const results: Row[] = [];
  console.log(
    `emulator ${ADDRESS}, paced to 1 Gbit/s; ${DURATION_S} s per row after ${WARMUP_S} s warm-up; CPU in % of one core (2 cores = 200 %)`,
  );
  console.log('format        size        packet  sender    fps asked  fps got  complete incomplete   MB/s  emulator%  receiver%  system%');
  for (const plan of plans) {
    const emulator = await startEmulator(plan.gso);
    try {
      for (const packetSize of PACKET_SIZES) {
        for (const [format, width, height, fps] of plan.rows) {
          const r = await measure(emulator, format, width, height, fps, packetSize, plan.gso);
          results.push(r);
          console.log(
            `${format.padEnd(13)} ${`${width}x${height}`.padEnd(11)} ${String(packetSize).padStart(6)}  ${(plan.gso ? 'GSO' : 'sendmmsg').padEnd(8)} ` +
              `${r.askedFps.toFixed(2).padStart(9)} ${r.fps.toFixed(2).padStart(8)} ${String(r.complete).padStart(9)} ${String(r.incomplete).padStart(10)} ` +
              `${r.mbps.toFixed(1).padStart(6)} ${r.emulatorCpuPct.toFixed(1).padStart(10)} ${r.receiverCpuPct.toFixed(1).padStart(10)} ${r.systemCpuPct.toFixed(1).padStart(8)}`,
          );
        }
      }
    } finally {
      await emulator.stop();
    }
  }
  const pick = (ps: number) => results.find((r) => !r.gso && r.format === 'Mono8' && r.width === 4504 && r.packetSize === ps);
  const fmt = (v: number | undefined) => (v === undefined ? 'na' : v.toFixed(2));
  console.log(
    `RESULT mono8_4504_1500_fps=${fmt(pick(1500)?.fps)} mono8_4504_1500_cpu_pct=${fmt(pick(1500)?.emulatorCpuPct)} ` +
      `mono8_4504_9000_fps=${fmt(pick(9000)?.fps)} mono8_4504_9000_cpu_pct=${fmt(pick(9000)?.emulatorCpuPct)}`,
  );
}

main().catch((err: Error) => {
  console.error(`bench:emulator: ${err.message}`);
  process.exitCode = 1;
});
