/**
 * bench:flow part 2 — trigger latency: an emulated DMK 38GX541-a (its own process, in the camera's
 * namespace) and Node-RED running inject → gige-grab (trigger) → function node in the receivers'
 * (bench/flow/trigger-process.ts). Prints the distribution and
 *   RESULT trigger_p50_ms=<n> trigger_p99_ms=<n> trigger_overhead_p99_ms=<n> … platform_wakeup_p99_ms=<n>
 * (the last: an idle process woken by a datagram over the same link, bench/flow/wakeup-probe.ts —
 * the floor this machine puts under the stack's time).
 */
import * as path from 'node:path';

import { fmt, type BenchEnvironment } from '../stream/harness';
import { childRuntimeFields, percentile, runChild } from './child';
import { startEmulators, stopEmulators, streamSummary } from './emulators';
import type { TriggerCycle, TriggerInput, TriggerOutcome } from './trigger-process';
import { measurePlatformWakeup } from './wakeup-probe';

export interface TriggerResult extends TriggerOutcome {
  packetSize: number;
  /** An idle Node process woken by a datagram over the same link, ms per cycle (bench/flow/wakeup-probe.ts). */
  platformWakeupMs: number[];
}

const PACKET_SIZE = 9000;

export async function runTrigger(
  env: BenchEnvironment,
  options: { cycles: number; warmupCycles: number; realtimeCamera: boolean; armOnDeploy: boolean },
): Promise<TriggerResult> {
  env.topology?.setMtu(PACKET_SIZE);
  const [emulator] = await startEmulators(env, 1, { realtime: options.realtimeCamera });
  let result: TriggerOutcome;
  try {
    const input: TriggerInput = {
      address: emulator.address,
      packetSize: PACKET_SIZE,
      cycles: options.cycles,
      warmupCycles: options.warmupCycles,
      armOnDeploy: options.armOnDeploy,
      width: 640,
      height: 480,
      exposureUs: 100,
    };
    process.stderr.write(
      `  trigger: ${options.cycles} cycles (after ${options.warmupCycles} not counted), 640×480 Mono8, ExposureTime 100 µs, packet ${PACKET_SIZE}, camera ${emulator.address}` +
        ` (${options.realtimeCamera ? 'realtime priority' : 'normal priority'}); the grab ${options.armOnDeploy ? 'armed at deploy' : 'arms on its first trigger'}\n`,
    );
    result = await runChild(env, path.join(__dirname, 'trigger-process.ts'), input, 60000 + (options.warmupCycles + options.cycles) * 200);
  } finally {
    await stopEmulators([emulator]);
  }
  // Right after the trials, on the same link: the floor the platform puts under the stack's time.
  const wakeup = await measurePlatformWakeup(env, result.cycles.length);
  const pick = (key: keyof TriggerCycle) => result.cycles.map((c) => c[key]);
  const row = (name: string, values: number[]) =>
    `  ${name.padEnd(40)} p50 ${fmt(percentile(values, 50), 2).padStart(7)}  p90 ${fmt(percentile(values, 90), 2).padStart(7)}  p99 ${fmt(percentile(values, 99), 2).padStart(7)}  max ${fmt(Math.max(...values.filter(Number.isFinite)), 2).padStart(7)} ms`;
  console.log(
    `\nTrigger latency: ${result.cycles.length} cycles, ${result.timeouts} without a frame within 5 s; camera's own time per frame ${fmt(result.cameraMs, 2)} ms` +
      " (ExposureTime 0.10 + readout 16.00 + link; the emulator's model)",
  );
  console.log(
    `  first trigger after the deploy (not counted): inject → frame message ${fmt(result.firstLatencyMs ?? NaN, 2)} ms` +
      (options.armOnDeploy ? ' (the grab armed at deploy)' : ' (the grab arms on it: --trigger-arm message)'),
  );
  console.log(row('inject → frame message', pick('latencyMs')));
  console.log(row("stack's own share (latency − camera)", pick('overheadMs')));
  console.log(row('inject → exposure start (trigger path)', pick('toExposureMs')));
  console.log(row('  of it inject → trigger command sent', pick('toCommandMs')));
  // The rest of the trigger path is the wire and the camera's reaction: an emulator process that
  // must wake on a core to take the command (a hardware camera reacts in microseconds).
  const reactionMs = result.cycles.map((c) => c.toExposureMs - c.toCommandMs);
  console.log(row('  and command sent → exposure start', reactionMs));
  console.log(row('frame event later than the camera model', pick('frameLateMs')));
  console.log(row('camera connection → function node', pick('deliveryMs')));
  console.log(row("camera's time as measured (command → last packet)", pick('cameraMeasuredMs')));
  console.log(row('  of it the frame at this host (first → last packet)', pick('transferMs')));
  console.log(row("stack's time (latency − camera as measured)", pick('stackMs')));
  console.log(
    row(
      '  of it last packet → frame message',
      result.cycles.map((c) => c.stackMs - c.toCommandMs),
    ),
  );
  console.log(`  emulated camera ${streamSummary(emulator)}`);
  const withGc = result.cycles.filter((c) => c.gcMs > 0);
  const withGcInStack = result.cycles.filter((c) => c.gcInStackMs > 0);
  console.log(
    `  Node-RED collected garbage during ${withGc.length} of ${result.cycles.length} cycles (pauses ${fmt(Math.max(0, ...withGc.map((c) => c.gcMs)), 2)} ms at most);` +
      ` in the stack's parts of ${withGcInStack.length} (${fmt(Math.max(0, ...withGcInStack.map((c) => c.gcInStackMs)), 2)} ms at most)`,
  );
  console.log(`  Node-RED's collections over the counted cycles: ${result.collections.major} major, ${result.collections.minor} minor`);
  const stream = result.stream;
  console.log(
    stream
      ? `  frames handed to the flow without a copy ${stream.buffersHandedOver}, copied at the frame-memory limit ${stream.framesCopied}, of ${stream.framesDelivered} delivered (limit ${fmt(stream.frameMemoryLimitBytes / 1048576, 1)} MiB)`
      : '  stream statistics: not available (the camera was not streaming at the end)',
  );
  console.log(
    row(
      "stack's own share, cycles without GC",
      result.cycles.filter((c) => c.gcMs === 0).map((c) => c.overheadMs),
    ),
  );
  console.log(
    row(
      "stack's time, cycles without a GC pause in it",
      result.cycles.filter((c) => c.gcInStackMs === 0).map((c) => c.stackMs),
    ),
  );
  const outsideMarking = result.cycles.filter((c) => c.markingMs === 0).map((c) => c.stackMs);
  console.log(
    row("stack's time, cycles outside V8's marking", outsideMarking) +
      ` (${result.cycles.length - outsideMarking.length} of ${result.cycles.length} cycles overlapped a major collection's marking in Node-RED)`,
  );
  console.log(
    row('platform: idle process woken by a datagram', wakeup.latenessMs) +
      ` (${wakeup.latenessMs.length} of ${wakeup.sent} datagrams; no Node-RED, no GigE Vision)`,
  );
  const overheadP99 = percentile(pick('overheadMs'), 99);
  const withoutReaction = result.cycles.map((c, i) => c.overheadMs - reactionMs[i]);
  console.log(row("stack's own share less the camera's reaction", withoutReaction));
  const verdict = (p99: number) => (Number.isFinite(p99) ? (p99 < 2 ? 'met' : 'missed') : 'not measured');
  const stackP99 = percentile(pick('stackMs'), 99);
  console.log(
    `Goal: the stack's own share p99 < 2 ms: ${fmt(overheadP99, 2)} ms with the camera's time from its model — ${verdict(overheadP99)};` +
      ` ${fmt(stackP99, 2)} ms with the camera's time as measured at this host — ${verdict(stackP99)}`,
  );
  console.log(
    `RESULT trigger_p50_ms=${fmt(percentile(pick('latencyMs'), 50), 2)} trigger_p99_ms=${fmt(percentile(pick('latencyMs'), 99), 2)}` +
      ` trigger_overhead_p99_ms=${fmt(overheadP99, 2)} trigger_overhead_p50_ms=${fmt(percentile(pick('overheadMs'), 50), 2)}` +
      ` trigger_overhead_less_camera_reaction_p99_ms=${fmt(percentile(withoutReaction, 99), 2)}` +
      ` trigger_stack_p50_ms=${fmt(percentile(pick('stackMs'), 50), 2)} trigger_stack_p99_ms=${fmt(stackP99, 2)} cycles=${result.cycles.length} timeouts=${result.timeouts}` +
      ` trigger_stack_outside_marking_p99_ms=${fmt(percentile(outsideMarking, 99), 2)} cycles_in_marking=${result.cycles.length - outsideMarking.length}` +
      ` platform_wakeup_p50_ms=${fmt(percentile(wakeup.latenessMs, 50), 2)} platform_wakeup_p99_ms=${fmt(percentile(wakeup.latenessMs, 99), 2)}` +
      ` trigger_first_ms=${fmt(result.firstLatencyMs ?? NaN, 2)} trigger_arm=${options.armOnDeploy ? 'deploy' : 'message'}` +
      ` trigger_warmup=${options.warmupCycles}${childRuntimeFields()}`,
  );
  return { ...result, packetSize: PACKET_SIZE, platformWakeupMs: wakeup.latenessMs };
}
