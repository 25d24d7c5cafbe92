/**
 * Fault benchmark (root: it builds its own network namespaces; see test/faults/support/fault-lab.ts):
 * an emulated DMK 38GX541-a (heartbeat timeout 3 s, 20 fps, 1024 × 256 Mono8) in one namespace,
 * a CameraConnection streaming from it in another, a veth between them. Each fault is injected
 * and timed on the machine's one clock:
 *
 *   detect_ms               fault injected → the connection says 'disconnected'
 *   resume_after_return_ms  camera back (link up, process answering) → first frame
 *   blip_cost_ms            last frame before a blip → first frame after it (the blip included)
 *   stall_lost              2.5 s event-loop stalls after which the camera was lost / dropped us
 *
 * Faults: the camera process killed and restarted; its veth down on the camera side and on the
 * host side (5 s, 20 s, and 45 s on the camera side); the host's interface deleted for 5 s; every
 * packet dropped for 45 s and for 1.5 s
 * (iptables in the camera's namespace, links up: a switch hiccup); the camera's link down for
 * 1.5 s; 2.5 s synchronous stalls of the host's event loop.
 *
 * Prints one `RESULT fault=… …` line per fault and a summary
 * `RESULT detect_ms=… resume_after_return_ms=… blip_cost_ms=…` (worst detection among link
 * and camera faults, resume after the 45 s camera-side outage, median cost of the 1.5 s blips
 * of lost packets).
 *
 *   npm run bench:faults
 *   npm run bench:faults -- --quick            (no 20 s and 45 s outages, one blip)
 *   npm run bench:faults -- --root /other/checkout   (measure another version's code)
 */
import { FaultLab, canRunFaults, Side } from '../test/faults/support/fault-lab';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

interface Figures {
  fault: string;
  detect_ms?: number | 'none';
  resume_after_return_ms?: number;
  blip_cost_ms?: number;
  frames_lost?: number;
  [key: string]: number | string | undefined;
}

function print(figures: Figures): void {
  const fields = Object.entries(figures)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v}`);
  process.stdout.write(`RESULT ${fields.join(' ')}\n`);
}

async function steady(lab: FaultLab): Promise<void> {
  await lab.waitForFrames(10, Date.now(), 30000);
}

/** Detection within `detectWaitMs` of the fault, or 'none'. */
async function detection(lab: FaultLab, from: number, detectWaitMs: number): Promise<number | 'none'> {
  try {
    const lost = await lab.nextState('disconnected', from, detectWaitMs);
    return lost.t - from;
  } catch {
    return 'none';
  }
}

/** An outage: `side`'s link down, or (packets-lost) every packet dropped with the links up. */
async function linkOutage(lab: FaultLab, side: Side, outageMs: number, kind: 'link-down' | 'packets-lost' = 'link-down'): Promise<Figures> {
  await steady(lab);
  const downAt = kind === 'link-down' ? lab.linkDown(side) : lab.dropAll(true);
  let upAt: number;
  let detect: number | 'none';
  try {
    detect = await detection(lab, downAt, Math.min(outageMs, 10000));
    await sleep(Math.max(0, downAt + outageMs - Date.now()));
  } finally {
    upAt = kind === 'link-down' ? lab.linkUp(side) : lab.dropAll(false);
  }
  const frame = await lab.nextFrame(upAt, 90000);
  const fault = kind === 'link-down' ? `link-down-${side}-${outageMs / 1000}s` : `packets-lost-${outageMs / 1000}s`;
  return { fault, detect_ms: detect, resume_after_return_ms: frame.t - upAt };
}

/** The host's interface deleted (the veth pair), a new one with the same addresses `goneMs` later. */
async function interfaceGone(lab: FaultLab, goneMs: number): Promise<Figures> {
  await steady(lab);
  const goneAt = lab.removeLink();
  let backAt: number;
  let detect: number | 'none';
  try {
    detect = await detection(lab, goneAt, Math.min(goneMs, 10000));
    await sleep(Math.max(0, goneAt + goneMs - Date.now()));
  } finally {
    backAt = lab.recreateLink();
  }
  const frame = await lab.nextFrame(backAt, 90000);
  return { fault: `interface-gone-${goneMs / 1000}s`, detect_ms: detect, resume_after_return_ms: frame.t - backAt };
}

async function cameraRestart(lab: FaultLab, offMs: number): Promise<Figures> {
  await steady(lab);
  const killedAt = await lab.killCamera();
  const detect = await detection(lab, killedAt, Math.min(offMs, 10000));
  await sleep(Math.max(0, killedAt + offMs - Date.now()));
  const backAt = await lab.startCamera();
  const frame = await lab.nextFrame(backAt, 90000);
  return { fault: `camera-killed-restarted-${offMs / 1000}s`, detect_ms: detect, resume_after_return_ms: frame.t - backAt };
}

/** A blip: every packet lost for `blipMs` (links up), or the camera's link down for that long. */
async function blip(lab: FaultLab, blipMs: number, kind: 'packets-lost' | 'link-down'): Promise<Figures> {
  await steady(lab);
  const downAt = kind === 'link-down' ? lab.linkDown('camera') : lab.dropAll(true);
  await sleep(blipMs);
  const upAt = kind === 'link-down' ? lab.linkUp('camera') : lab.dropAll(false);
  const frame = await lab.nextFrame(upAt, 90000);
  const before = lab.lastFrameBefore(downAt);
  const lost = lab.states(downAt).some((e) => e.state === 'disconnected' && e.t <= frame.t);
  const gap = frame.t - (before?.t ?? downAt);
  return {
    fault: `blip-${kind}-${blipMs / 1000}s`,
    blip_cost_ms: gap,
    beyond_blip_ms: gap - blipMs,
    resume_after_return_ms: frame.t - upAt,
    declared_lost: lost ? 1 : 0,
  };
}

async function stall(lab: FaultLab, count: number): Promise<Figures> {
  let lost = 0;
  let dropped = 0;
  const gaps: number[] = [];
  for (let i = 0; i < count; i += 1) {
    await steady(lab);
    // Phases spread over a second against the heartbeat (a fixed cycle would lock into one).
    await sleep((i * 1000) / count);
    const releasedBefore = (lab.cameraOutput().match(/RELEASED heartbeat/g) ?? []).length;
    const stalledAt = lab.stall();
    const end = await lab.next((e) => e.type === 'stall-end' && e.t >= stalledAt, stalledAt, 20000, 'end of the stall');
    const frame = await lab.nextFrame(end.t, 90000);
    await sleep(500);
    if (lab.states(stalledAt).some((e) => e.state === 'disconnected')) lost += 1;
    if ((lab.cameraOutput().match(/RELEASED heartbeat/g) ?? []).length > releasedBefore) dropped += 1;
    gaps.push(frame.t - end.t);
  }
  return {
    fault: 'stall-2.5s',
    stalls: count,
    stall_lost: lost,
    camera_dropped_us: dropped,
    first_frame_after_stall_ms_max: Math.max(...gaps),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main(): Promise<void> {
  if (!canRunFaults()) {
    process.stderr.write('bench:faults needs root (it creates network namespaces and a veth pair) and iptables\n');
    process.exit(2);
  }
  const quick = process.argv.includes('--quick');
  const lab = await FaultLab.start({ root: option('root') });
  const results: Figures[] = [];
  const run = async (figures: Promise<Figures>): Promise<Figures> => {
    const f = await figures;
    print(f);
    results.push(f);
    return f;
  };
  try {
    await lab.waitForFrames(10);
    await run(cameraRestart(lab, 3000));
    for (const side of ['camera', 'host'] as Side[]) {
      await run(linkOutage(lab, side, 5000));
      if (!quick) await run(linkOutage(lab, side, 20000));
    }
    await run(interfaceGone(lab, 5000));
    const outage = quick ? undefined : await run(linkOutage(lab, 'camera', 45000));
    const blips: Figures[] = [];
    for (let i = 0; i < (quick ? 1 : 5); i += 1) blips.push(await run(blip(lab, 1500, 'packets-lost')));
    if (!quick) for (let i = 0; i < 3; i += 1) await run(blip(lab, 1500, 'link-down'));
    if (!quick) await run(linkOutage(lab, 'camera', 45000, 'packets-lost'));
    await run(stall(lab, quick ? 2 : 6));
    const detects = results.map((r) => r.detect_ms).filter((d): d is number => typeof d === 'number');
    const undetected = results.filter((r) => r.detect_ms === 'none').map((r) => r.fault);
    process.stdout.write(
      `RESULT detect_ms=${detects.length ? Math.max(...detects) : 'none'}${undetected.length ? ` undetected=${undetected.join(',')}` : ''}` +
        ` resume_after_return_ms=${outage?.resume_after_return_ms ?? 'n/a'}` +
        ` blip_cost_ms=${median(blips.map((b) => b.blip_cost_ms as number))}\n`,
    );
  } finally {
    await lab.close();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`bench:faults: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
