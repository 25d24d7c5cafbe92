/**
 * The host side of a fault experiment: one CameraConnection (what a gige-camera-config node runs)
 * streaming from the camera, each state change and frame printed as a line with the time it
 * happened here:
 *
 *   EV {"t":1732..., "type":"state", "state":"disconnected", "detail":"lost: …"}
 *   EV {"t":1732..., "type":"frame", "id":42}
 *
 * SIGUSR2 blocks this process's event loop for --stall-ms (a heavy synchronous function node);
 * SIGTERM closes the connection and exits. It exits by itself after --max-seconds.
 *
 *   client.ts --address 10.x.y.2 [--stall-ms 2500] [--max-seconds 300]
 */
import { inspect } from 'node:util';
import { CameraConnection } from '../../../lib/camera/connection';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

function print(event: Record<string, unknown>): void {
  process.stdout.write(`EV ${JSON.stringify({ t: Date.now(), ...event })}\n`);
}

const connection = new CameraConnection({ address: arg('address', '127.0.0.2'), frameTimeoutMs: 5000 });
connection.on('state', (state: string, detail: string) => print({ type: 'state', state, detail }));
connection.on('frame', (frame: { blockId: bigint; status: string }) =>
  print({ type: 'frame', id: Number(frame.blockId), status: frame.status }),
);
connection.on('error', (err: Error) => print({ type: 'error', message: err.message }));
connection.requestAcquisition('fault-client').catch((err: Error) => print({ type: 'error', message: err.message }));
connection.connect().catch(() => undefined);

const stallMs = Number(arg('stall-ms', '2500'));
process.on('SIGUSR2', () => {
  print({ type: 'stall-start' });
  const end = Date.now() + stallMs;
  while (Date.now() < end) {
    /* blocked, as by a long synchronous task */
  }
  print({ type: 'stall-end' });
});

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  connection.close().then(
    () => process.exit(0),
    (err: unknown) => {
      print({ type: 'error', message: `close: ${(err as Error)?.message ?? inspect(err)}` });
      process.exit(1);
    },
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setTimeout(stop, Number(arg('max-seconds', '300')) * 1000).unref();
print({ type: 'started' });
