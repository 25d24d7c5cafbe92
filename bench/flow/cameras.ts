/**
 * bench:flow part 3 — many cameras into one Node-RED: N emulated DMK 38GX541-a (one process each,
 * in the camera's namespace), 4504×4504 Mono8 at the highest rate each camera's 1 Gbit/s link and
 * readout allow (AcquisitionFrameRateMax by the emulator's model: 5.87 fps; the manual's table
 * prints 5) at the standard packet size 1500, on a link of MTU 1500; Node-RED runs
 * bench/flow/cameras-process.ts. Prints per camera and
 *   RESULT cameras=<n> frames_lost=<n> eventloop_p99_ms=<n> nodered_cpu_s_per_s=<n> …
 */
import * as path from 'node:path';

import { frameRateLimits } from '../../lib/emulator/dmk38gx541/frame-rate';
import { kernelNetworkThreads } from '../stream/cpu';
import { fmt, type BenchEnvironment } from '../stream/harness';
import type { CamerasInput, CamerasMeasurement } from './cameras-process';
import { childRuntimeFields, runChild } from './child';
import { startEmulators, stopEmulators, streamSummary } from './emulators';

export interface CamerasResult extends CamerasMeasurement {
  frameRate: number;
  packetSize: number;
}

// The camera's default. (At 9000 the camera would allow 6.11 fps, but the emulated camera computes
// AcquisitionFrameRateMax with 1500 until its stream channel is open, after the config node's
// settings are applied.)
const PACKET_SIZE = 1500;
const SIDE = 4504;

export async function runCameras(
  env: BenchEnvironment,
  options: { cameras: number; seconds: number; realtimeCameras: boolean },
): Promise<CamerasResult> {
  env.topology?.setMtu(PACKET_SIZE);
  const limits = frameRateLimits(
    { width: SIDE, height: SIDE, pixelFormat: 0x01080001, binningVertical: 1, decimationVertical: 1 },
    SIDE * SIDE,
    { packetSize: PACKET_SIZE, packetDelayNs: 0, extendedIds: false },
  );
  // Just under the maximum: the camera refuses a rate above AcquisitionFrameRateMax.
  const frameRate = Math.floor(limits.max * 100) / 100;
  const emulators = await startEmulators(env, options.cameras, { realtime: options.realtimeCameras });
  const dropsBefore = env.topology?.linkDrops() ?? 0;
  let linkDrops = 0;
  let result: CamerasMeasurement;
  try {
    const input: CamerasInput = {
      addresses: emulators.map((e) => e.address),
      packetSize: PACKET_SIZE,
      frameRate,
      seconds: options.seconds,
      warmupS: 2,
      emulatorPids: emulators.map((e) => e.pid),
      kernelPids: kernelNetworkThreads(env.topology?.hostInterface ?? 'lo'),
    };
    process.stderr.write(
      `  cameras: ${options.cameras} × 4504×4504 Mono8 at ${frameRate} fps (${limits.limitedBy}-limited; ${fmt((frameRate * SIDE * SIDE) / 1e6)} MB/s each), packet ${PACKET_SIZE}, ${options.seconds} s` +
        ` (cameras at ${options.realtimeCameras ? 'realtime' : 'normal'} priority)\n`,
    );
    result = await runChild(env, path.join(__dirname, 'cameras-process.ts'), input, 90000 + options.seconds * 1000);
    linkDrops = (env.topology?.linkDrops() ?? 0) - dropsBefore;
  } finally {
    await stopEmulators(emulators);
  }
  // Each emulator's own account (printed as it stopped): blocks streamed, resends, unavailable answers.
  const emulatorLines = emulators.map(streamSummary);
  const expected = Math.round(result.windowS * frameRate);
  console.log(
    `\nMany cameras: ${options.cameras} emulated DMK 38GX541-a, 4504×4504 Mono8 at ${frameRate} fps each (about ${expected} frames each in ${fmt(result.windowS, 1)} s), packet ${PACKET_SIZE}, one Node-RED`,
  );
  let lost = 0;
  let mbps = 0;
  for (const c of result.cameras) {
    lost += c.incomplete + c.missing;
    mbps += c.bytes / result.windowS / 1e6;
    const fps = (c.frames + c.incomplete + c.missing) / result.windowS;
    console.log(
      `  ${c.address}: ${c.frames} complete, ${c.incomplete} incomplete, ${c.missing} missing (block ids), ${fmt(fps, 2)} fps sent of ${frameRate}, ${fmt(c.bytes / result.windowS / 1e6)} MB/s` +
        (fps < frameRate * 0.95 ? ' — the emulated camera fell behind its rate (its process did not keep up)' : '') +
        (c.stream
          ? `\n    stream since its start: ${Object.entries(c.stream)
              .map(([k, v]) => `${k} ${v}`)
              .join(', ')}`
          : ''),
    );
  }
  for (const line of emulatorLines) console.log(`  emulated camera ${line}`);
  const perS = (s: number) => fmt(s / result.windowS, 2);
  console.log(
    `  CPU (cores busy): Node-RED ${perS(result.nodeRedCpuS)}, emulators ${perS(result.emulatorsCpuS)}, kernel threads ${perS(result.kernelCpuS)}, machine ${perS(result.systemCpuS)};` +
      ` event-loop p99 ${fmt(result.lagP99Ms, 1)} ms (max ${fmt(result.lagMaxMs, 1)})`,
  );
  console.log(
    `  the link dropped ${linkDrops} packets during the run (veth receive ring full: lost before any receiver${linkDrops > 0 ? '; a frame they belonged to is complete only if the camera could resend them' : ''})`,
  );
  console.log(`Goal: ${options.cameras} cameras at full rate, 0 frames lost: ${lost} lost — ${lost === 0 ? 'met' : 'missed'}`);
  console.log(
    `RESULT cameras=${options.cameras} frames_lost=${lost} eventloop_p99_ms=${fmt(result.lagP99Ms, 1)} total_MBps=${fmt(mbps)}` +
      ` nodered_cpu_s_per_s=${perS(result.nodeRedCpuS)} emulators_cpu_s_per_s=${perS(result.emulatorsCpuS)} system_cpu_s_per_s=${perS(result.systemCpuS)} link_drops=${linkDrops}${childRuntimeFields()}`,
  );
  return { ...result, frameRate, packetSize: PACKET_SIZE };
}
