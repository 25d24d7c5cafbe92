/**
 * The Node-RED side of the bandwidth budget test (camera-config-commission.test.ts), run inside a
 * network namespace the test creates: loopback is never budgeted (it is no link), so the two
 * emulated cameras and this host share the namespace's own bridge — an interface that reports no
 * speed, so the budget takes the cameras' 1000 Mbit/s. Prints what the users show and log:
 *
 *   STATUS {"node": id, "status": {...}}   every status of the two gige-grab nodes
 *   WARN {"node": id, "text": "..."}       every node.warn of the two config nodes
 *   DONE {"frames": n}                     once both grabs delivered their triggered frame
 *
 *   camera-config-budget-host.ts --cameras A,B [--max-seconds S]
 */
import { helper, packageNodes, onTab, collect, cameraConnected, statusMatching } from './support';
import { EmulatedCamera } from '../../lib/emulator';

function arg(name: string): string {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) throw new Error(`--${name} missing`);
  return process.argv[i + 1];
}

function print(kind: string, value: unknown): void {
  process.stdout.write(`${kind} ${JSON.stringify(value)}\n`);
}

setTimeout(() => process.exit(2), Number(process.argv.includes('--max-seconds') ? arg('max-seconds') : 90) * 1000).unref();

(async () => {
  const addresses = arg('cameras').split(',');
  const emulators = await Promise.all(
    addresses.map((address, i) => EmulatedCamera.start({ address, serial: `BUDG000${i + 1}`, allowNetwork: true })),
  );
  // 1920 × 1080 Mono8 at 30 fps: 62 MB/s each, more than the link's 87.5 MB/s (30 % headroom, the
  // second camera's) together. Software-triggered: the demand is budgeted at acquisition start while the cameras
  // send one frame each, not a stream.
  const rows = [
    { name: 'Width', value: '1920' },
    { name: 'Height', value: '1080' },
    { name: 'PixelFormat', value: 'Mono8' },
    { name: 'AcquisitionFrameRate', value: '30' },
    { name: 'TriggerMode', value: 'On' },
    { name: 'TriggerSource', value: 'Software' },
  ];
  await helper.startServer();
  try {
    await helper.load(
      packageNodes,
      onTab([
        ...addresses.map((address, i) => ({
          id: `cam${i + 1}`,
          type: 'gige-camera-config',
          version: 2,
          source: 'network',
          address,
          packetSize: 'auto',
          // The second asks for more headroom than the default 10 %: the larger one counts for the link.
          ...(i === 1 ? { linkHeadroom: '30' } : {}),
          settings: rows,
        })),
        ...addresses.map((_a, i) => ({
          id: `grab${i + 1}`,
          type: 'gige-grab',
          camera: `cam${i + 1}`,
          mode: 'trigger',
          encoding: 'raw',
          wires: [['frames']],
        })),
        { id: 'frames', type: 'helper' },
      ]),
    );
    // The helper records each call of a node's status() and warn() as a 'call:…' event.
    const calls = (id: string) =>
      helper.getNode(id) as unknown as { on(event: string, listener: (call: { args: unknown[] }) => void): void };
    addresses.forEach((_a, i) => {
      calls(`grab${i + 1}`).on('call:status', (call: { args: unknown[] }) =>
        print('STATUS', { node: `grab${i + 1}`, status: call.args[0] }),
      );
      calls(`cam${i + 1}`).on('call:warn', (call: { args: unknown[] }) =>
        print('WARN', { node: `cam${i + 1}`, text: String(call.args[0]) }),
      );
    });
    for (const [i] of addresses.entries()) await cameraConnected(`cam${i + 1}`, 20000);
    const over = addresses.map((_a, i) => statusMatching(`grab${i + 1}`, /status\.overBudget$/, 30000));
    const frames = collect('frames', addresses.length, 30000);
    for (const [i] of addresses.entries()) helper.getNode(`grab${i + 1}`).receive({});
    const got = await frames;
    await Promise.all(over).catch(() => undefined);
    print('DONE', { frames: got.length });
  } finally {
    await helper.unload();
    await helper.stopServer();
    await Promise.all(emulators.map((e) => e.stop()));
  }
})().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
