/**
 * A host in a network test: one CameraConnection (what a gige-camera-config node runs) receiving
 * frames, every state, warning, note and frame printed as a line:
 *
 *   EV {"type":"warning","code":"HOST_CHECK","message":"…","fix":"…"}
 *   EV {"type":"frame","id":42,"status":"complete","received":97,"expected":97}
 *   SUMMARY {"frames":…, "stats":{…}, "packetSize":…}
 *
 * It stops after --frames complete frames or --seconds, whichever comes first, prints SUMMARY and
 * exits (also on SIGTERM, and by itself after --max-seconds).
 *
 *   stream-client.ts --address IP [--access control|monitor] [--multicast GROUP] [--packet-size auto|N]
 *                    [--settings '{"Width":640}'] [--frames N] [--seconds S] [--max-seconds S]
 */
import { inspect } from 'node:util';
import { CameraConnection } from '../../../lib/camera/connection';
import type { CameraFrame } from '../../../lib/camera/camera';

function arg(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

function print(kind: string, event: Record<string, unknown>): void {
  process.stdout.write(`${kind} ${JSON.stringify({ t: Date.now(), ...event })}\n`);
}

const access = arg('access', 'control') as 'control' | 'monitor';
const packetSizeArg = arg('packet-size');
const settings = Object.entries(JSON.parse(arg('settings', '{}') as string) as Record<string, string | number>).map(
  ([k, v]) => [k, String(v)] as [string, string],
);
const wanted = Number(arg('frames', '10'));
const connection = new CameraConnection({
  address: arg('address', '127.0.0.2') as string,
  access,
  multicastGroup: arg('multicast'),
  packetSize: packetSizeArg === undefined ? undefined : packetSizeArg === 'auto' ? 'auto' : Number(packetSizeArg),
  settings: access === 'monitor' ? [] : settings,
  frameTimeoutMs: 5000,
});
const frames: Array<{ id: number; status: string }> = [];
let complete = 0;
let stopping = false;

connection.on('state', (state: string, detail: string) => print('EV', { type: 'state', state, detail }));
connection.on('warning', (err: Error & { code?: string; details?: Record<string, unknown> }) =>
  print('EV', { type: 'warning', code: err.code, message: err.message, fix: err.details?.fix, check: err.details?.check }),
);
connection.on('info', (message: string) => print('EV', { type: 'info', message }));
connection.on('error', (err: Error) => print('EV', { type: 'error', message: err.message }));
connection.on('bandwidth', (report: { description: string }) => print('EV', { type: 'bandwidth', description: report.description }));
connection.on('frame', (frame: CameraFrame) => {
  frames.push({ id: Number(frame.blockId), status: frame.status });
  if (frame.status === 'complete') complete += 1;
  print('EV', {
    type: 'frame',
    id: Number(frame.blockId),
    status: frame.status,
    received: frame.packets.received,
    expected: frame.packets.expected,
    bytes: frame.data.length,
  });
  if (complete >= wanted) stop();
});
connection
  .requestAcquisition('network-client')
  .catch((err: Error) => print('EV', { type: 'error', message: `acquisition: ${err.message}` }));
connection.connect().catch(() => undefined);

function stop(): void {
  if (stopping) return;
  stopping = true;
  connection
    .use(async (camera) => camera.streamStatistics(), 1000)
    .catch(() => null)
    .then((stats) => {
      print('SUMMARY', {
        frames,
        complete,
        stats,
        packetSize: connection.packetSize,
        bandwidth: connection.bandwidth?.description ?? null,
      });
      return connection.close();
    })
    .then(
      () => process.exit(0),
      (err: unknown) => {
        print('EV', { type: 'error', message: `close: ${(err as Error)?.message ?? inspect(err)}` });
        process.exit(1);
      },
    );
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setTimeout(stop, Number(arg('seconds', '20')) * 1000).unref();
setTimeout(() => process.exit(2), Number(arg('max-seconds', '120')) * 1000).unref();
print('EV', { type: 'started' });
