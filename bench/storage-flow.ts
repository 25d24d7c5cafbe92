/**
 * Storage: frames/s the "Store every frame" flow writes at 4504 × 4504 to local disk without losing
 * one (gige-record's queue: 16 frames / 512 MB; beyond it frames are counted lost), in the Node-RED
 * runtime (node-red-node-test-helper), all in this one process as a test runs it.
 *
 * Two parts:
 *  1. camera: the shipped example on the emulated DMK 38GX541-a (loopback) at the camera's maximum
 *     frame rate at 4504² (manual 5.1.4: Mono8 5 fps, Mono12Packed 3 fps, Mono16 2 fps), TIFF.
 *     Limited by the camera: does storage keep up with it?
 *  2. ceiling: the same gige-record node fed 4504² frames (copies of one emulated frame, unique
 *     timestamps) at a paced rate that rises step by step; the highest rate with no frame lost and
 *     the queue not filling up (the last frame written within two frame intervals of the last one
 *     offered) is what the disk + encoder sustain. For TIFF and PNG, Mono8 and Mono12Packed. PNG
 *     figures depend on the content: the emulated ramp compresses far better than a real scene.
 *
 *   npm run bench:storage                         both parts, into a folder under bench/.storage-out
 *   npm run bench:storage -- --dir /data/frames   another local disk (files are removed after)
 *   npm run bench:storage -- --frames 20          frames per step (default 30)
 *
 * Prints `RESULT part=… format=… pixelFormat=… offered_fps=… written_fps=… lost=… …` lines.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { helper, onCall, placeExample, CORE_NODES, ALL_PACKAGE_NODES, FlowNode, until } from '../test/flows/support';
import { imageByteLength, pixelFormatCode } from '../lib/stream';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const FRAMES = Number(arg('--frames') ?? 30);
const BASE = path.resolve(arg('--dir') ?? path.join(__dirname, '.storage-out'));
const SIZE = 4504;
const ADDRESS = '127.0.78.2';

function freshDir(): string {
  fs.mkdirSync(BASE, { recursive: true });
  return fs.mkdtempSync(path.join(BASE, 'run-'));
}

function lostIn(status: string): number {
  return Number(/(\d+) lost/.exec(status)?.[1] ?? 0);
}

/** Part 1: the example as shipped, at the camera's maximum rate for `pixelFormat`, `FRAMES` frames. */
async function cameraPart(pixelFormat: string, fps: number): Promise<void> {
  const dir = freshDir();
  const flow = placeExample('Store every frame', (n) => {
    if (n.type === 'gige-camera-config') {
      return { ...n, address: ADDRESS, settings: `PixelFormat=${pixelFormat}\nWidth=${SIZE}\nHeight=${SIZE}\nAcquisitionFrameRate=${fps}` };
    }
    if (n.type === 'gige-record') return { ...n, folder: dir };
    return n;
  });
  await helper.startServer();
  try {
    await helper.load([...ALL_PACKAGE_NODES, ...CORE_NODES], flow);
    const record = helper.getNode('st0record0000001');
    let arrived = 0;
    let written = 0;
    let status = '';
    let grabStatus = '';
    const writtenAt: number[] = [];
    record.on('input', (msg: Record<string, unknown>) => {
      if (Buffer.isBuffer(msg.payload)) arrived += 1;
    });
    onCall(record, 'send', () => {
      written += 1;
      writtenAt.push(Date.now());
    });
    onCall(record, 'status', (args) => {
      status = String((args[0] as { text?: string }).text ?? '');
    });
    onCall(helper.getNode('st0grab000000001'), 'status', (args) => {
      grabStatus = String((args[0] as { text?: string }).text ?? '');
    });
    await until('camera serial read', () => helper.getNode('st0keep000000001').context().flow.get('cameraSerial'), 60000);
    helper.getNode('st0start00000001').receive({ payload: 'start' });
    await until(`${FRAMES} frames arrived`, () => arrived >= FRAMES, 60000 + (FRAMES / fps) * 4000);
    helper.getNode('st0stop000000001').receive({ payload: 'stop' });
    await until('queue drained', () => written + lostIn(status) >= arrived, 120000);
    await new Promise((r) => setTimeout(r, 1200)); // the throttled status shows the last count
    const span = (writtenAt[writtenAt.length - 1] - writtenAt[0]) / 1000;
    const bytes = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.tif'))
      .reduce((s, f) => s + fs.statSync(path.join(dir, f)).size, 0);
    console.log(
      `RESULT part=camera format=tiff pixelFormat=${pixelFormat} size=${SIZE}x${SIZE} camera_fps=${fps} arrived=${arrived} written=${written} lost=${lostIn(status)} written_fps=${((written - 1) / span).toFixed(2)} MB_per_s=${(((bytes / written) * (written - 1)) / span / 1e6).toFixed(0)} grab_status="${grabStatus}"`,
    );
  } finally {
    await helper.unload();
    await helper.stopServer();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** One frame of the emulated camera at 4504² in `pixelFormat`, as gige-grab sends it (raw). */
async function oneFrame(pixelFormat: string): Promise<{ payload: Buffer; image: Record<string, unknown> }> {
  const flow: FlowNode[] = [
    { id: 't', type: 'tab', label: 't' },
    {
      id: 'cam',
      type: 'gige-camera-config',
      source: 'emulated',
      address: ADDRESS,
      serial: 'BENCH01',
      settings: `PixelFormat=${pixelFormat}\nWidth=${SIZE}\nHeight=${SIZE}`,
    },
    { id: 'grab', type: 'gige-grab', z: 't', camera: 'cam', mode: 'trigger', encoding: 'raw', x: 100, y: 100, wires: [['out']] },
    { id: 'out', type: 'helper', z: 't', x: 300, y: 100 },
  ];
  await helper.startServer();
  try {
    await helper.load([...ALL_PACKAGE_NODES, ...CORE_NODES], flow);
    type Sent = { payload: Buffer; image: Record<string, unknown> };
    const got = new Promise<Sent>((resolve) => helper.getNode('out').on('input', (msg: unknown) => resolve(msg as Sent)));
    await new Promise((r) => setTimeout(r, 1000));
    helper.getNode('grab').receive({ payload: 'trigger' });
    const msg = await Promise.race([
      got,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no frame within 60 s')), 60000)),
    ]);
    const expected = imageByteLength(pixelFormatCode(pixelFormat), SIZE, SIZE);
    return { payload: Buffer.from(msg.payload.subarray(0, expected)), image: { ...msg.image } };
  } finally {
    await helper.unload();
    await helper.stopServer();
  }
}

/** Part 2: gige-record alone, fed `FRAMES` frames at `fps`; returns frames lost. */
async function ceilingStep(
  frame: { payload: Buffer; image: Record<string, unknown> },
  format: string,
  fps: number,
): Promise<{ lost: number; sustained: boolean }> {
  const dir = freshDir();
  await helper.startServer();
  try {
    const flow: FlowNode[] = [
      { id: 't', type: 'tab', label: 't' },
      {
        id: 'rec',
        type: 'gige-record',
        z: 't',
        mode: 'every',
        folder: dir,
        format,
        sidecar: true,
        preFrames: '16',
        maxMemory: '512',
        x: 100,
        y: 100,
        wires: [['sink']],
      },
      // A wire out: Node-RED does not call send() of a node without one.
      { id: 'sink', type: 'helper', z: 't', x: 300, y: 100 },
    ];
    await helper.load([...ALL_PACKAGE_NODES, ...CORE_NODES], flow);
    const record = helper.getNode('rec');
    let written = 0;
    let status = '';
    onCall(record, 'send', () => {
      written += 1;
    });
    onCall(record, 'status', (args) => {
      status = String((args[0] as { text?: string }).text ?? '');
    });
    const started = Date.now();
    const base = BigInt(typeof frame.image.timestamp === 'string' ? frame.image.timestamp : '0');
    for (let i = 0; i < FRAMES; i++) {
      const due = started + (i * 1000) / fps;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      // A new Buffer per frame, as the camera's frames are; the node holds it until written.
      record.receive({
        payload: Buffer.from(frame.payload),
        image: { ...frame.image, serial: 'BENCH01', frameId: i + 1, timestamp: String(base + BigInt(i) * 1000000n) },
      });
    }
    const offeredSpan = (Date.now() - started) / 1000;
    await until('queue drained', () => written + lostIn(status) >= FRAMES, 300000);
    const drained = (Date.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, 1200));
    const lost = lostIn(status);
    // Kept up, not just absorbed by the 16-frame queue: the last frame written within two frame
    // intervals of the last one offered.
    const sustained = lost === 0 && drained <= offeredSpan + 2 / fps;
    console.log(
      `RESULT part=ceiling format=${format} pixelFormat=${frame.image.pixelFormat} size=${SIZE}x${SIZE} offered_fps=${fps} frames=${FRAMES} written=${written} lost=${lost} sustained=${sustained ? 'yes' : 'no'} offered_over_s=${offeredSpan.toFixed(1)} all_written_after_s=${drained.toFixed(1)} written_fps=${(written / drained).toFixed(2)}`,
    );
    return { lost, sustained };
  } finally {
    await helper.unload();
    await helper.stopServer();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  console.log(
    `Storage at ${SIZE}², ${FRAMES} frames per run, into ${BASE} (${os.cpus().length} CPUs, Node ${process.version}, load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')})`,
  );
  for (const [pixelFormat, fps] of [
    ['Mono8', 5],
    ['Mono12Packed', 3],
    ['Mono16', 2],
  ] as const)
    await cameraPart(pixelFormat, fps);
  for (const pixelFormat of ['Mono8', 'Mono12Packed']) {
    const frame = await oneFrame(pixelFormat);
    for (const format of ['tiff', 'png']) {
      let best = 0;
      for (const fps of [1, 2, 3, 4, 6, 8, 10, 12, 16]) {
        const { sustained } = await ceilingStep(frame, format, fps);
        if (!sustained) break;
        best = fps;
      }
      console.log(`RESULT part=ceiling-summary format=${format} pixelFormat=${pixelFormat} highest_sustained_fps=${best}`);
    }
  }
  fs.rmSync(BASE, { recursive: true, force: true });
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
