/**
 * Runs one representative flow in the real Node-RED runtime, in a process of its own started with
 * `--unhandled-rejections=strict` (as a production Node-RED should be able to run): an inject
 * every 0.3 s → gige-grab (software trigger) → nothing, with a Catch node counting the errors.
 * Prints `RESULT {"grabs":…,"errors":…,"codes":[…]}` after --seconds and exits 0; an unobserved
 * rejection anywhere kills the process first (exit code ≠ 0, the stack on stderr).
 *
 *   strict-flow.ts --address 127.x.y.z --frame-timeout 1 [--seconds 4]
 */
import helper from 'node-red-node-test-helper';
import cameraConfigNode from '../../../nodes/gige-camera-config';
import grabNode from '../../../nodes/gige-grab';
import { coreNode } from '../../support/node-red-nodes';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

helper.init(require.resolve('node-red'));

(async () => {
  const seconds = Number(arg('seconds', '4'));
  await helper.startServer();
  const flow: Array<Record<string, unknown>> = [
    { id: 'tab', type: 'tab', label: 'strict' },
    {
      id: 'cam',
      type: 'gige-camera-config',
      source: 'emulated',
      address: arg('address', '127.0.0.2'),
      serial: 'STRICT01',
      frameTimeout: arg('frame-timeout', '1'),
      settings: 'Width=1024\nHeight=64',
    },
    {
      id: 'tick',
      type: 'inject',
      z: 'tab',
      x: 100,
      y: 40,
      repeat: '0.3',
      once: true,
      onceDelay: '0.1',
      topic: '',
      payload: '',
      payloadType: 'date',
      wires: [['grab']],
    },
    { id: 'grab', type: 'gige-grab', z: 'tab', x: 100, y: 80, camera: 'cam', mode: 'trigger', encoding: 'raw', wires: [['sink']] },
    { id: 'sink', type: 'helper', z: 'tab', x: 100, y: 120 },
    { id: 'caught', type: 'catch', z: 'tab', x: 100, y: 160, scope: null, uncaught: false, wires: [] },
  ];
  await helper.load([cameraConfigNode, grabNode, coreNode('common/20-inject.js'), coreNode('common/25-catch.js')], flow as never);
  let grabs = 0;
  let errors = 0;
  const codes = new Set<string>();
  helper.getNode('sink').on('input', () => {
    grabs += 1;
  });
  (helper.getNode('caught') as unknown as { on(e: string, l: (msg: { error?: { code?: string; message?: string } }) => void): void }).on(
    'input',
    (msg) => {
      errors += 1;
      codes.add(msg.error?.code ?? msg.error?.message?.slice(0, 60) ?? '?');
    },
  );
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  await helper.unload();
  await helper.stopServer();
  process.stdout.write(`RESULT ${JSON.stringify({ grabs, errors, codes: [...codes] })}\n`);
  process.exit(0);
})().catch((err: Error) => {
  process.stderr.write(`strict-flow: ${err.stack ?? err.message}\n`);
  process.exit(2);
});
