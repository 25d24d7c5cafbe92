/**
 * A Node-RED host in a network test: the real runtime (node-red-node-test-helper) with this
 * package's nodes, inside the host namespace. It does what a user does in the editor, through the
 * admin HTTP API, and prints each answer as a line:
 *
 *   CAMERAS {...}   GET gige-vision/commissioning/cameras?interface=IF
 *   FIX {...}       POST the `fix` the listing offers for the unreachable camera
 *   TAKEN {...}     POST force-ip to the address given by --taken (a neighbour holds it)
 *   AFTER {...}     the listing again
 *   FRAMES [...]    a camera config node at the fixed address and a gige-grab: three frames
 *
 *   editor-host.ts --interface IF --taken ADDR [--max-seconds S]
 */
import { helper, packageNodes, onTab, collect, cameraConnected } from '../../nodes/support';

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
  const iface = arg('interface');
  await helper.startServer();
  try {
    await helper.load(packageNodes, onTab([]));
    const list = async () => (await helper.request().get(`/gige-vision/commissioning/cameras?interface=${iface}`).expect(200)).body;
    const before = await list();
    print('CAMERAS', before);
    const camera = before.cameras.find((c: { reachable?: boolean }) => c.reachable === false);
    if (!camera) throw new Error('no unreachable camera listed');
    const fixed = await helper.request().post(`/${camera.fix.path}`).send(camera.fix.body);
    print('FIX', { status: fixed.status, body: fixed.body });
    // Then an address the user types that a neighbour holds: refused, the camera stays where it is.
    const taken = await helper
      .request()
      .post(`/${camera.fix.path}`)
      .send({ ...camera.fix.body, address: arg('taken') });
    print('TAKEN', { status: taken.status, body: taken.body });
    print('AFTER', await list());
    await helper.unload();

    await helper.load(
      packageNodes,
      onTab([
        {
          id: 'cam',
          type: 'gige-camera-config',
          source: 'network',
          address: fixed.body.address,
          frameTimeout: '5000',
          settings: 'Width=800\nHeight=600',
        },
        { id: 'grab', type: 'gige-grab', camera: 'cam', mode: 'trigger', encoding: 'raw', wires: [['out']] },
        { id: 'out', type: 'helper' },
      ]),
    );
    await cameraConnected('cam', 20000);
    const frames = collect('out', 3, 30000);
    for (let i = 0; i < 3; i += 1) helper.getNode('grab').receive({ payload: i });
    print(
      'FRAMES',
      (await frames).map((m) => ({ width: m.image.width, height: m.image.height, status: m.image.status, bytes: m.payload.length })),
    );
  } finally {
    await helper.unload();
    await helper.stopServer();
  }
  process.exit(0);
})().catch((err: Error) => {
  process.stderr.write(`editor-host: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
