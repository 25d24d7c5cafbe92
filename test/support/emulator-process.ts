/**
 * One emulated DMK 38GX541-a in a process of its own — so that a test may block its own event
 * loop, or kill the camera, without the camera's timers stopping with it. Prints
 * `READY <json>` once it answers; exits on SIGTERM/SIGINT or after --max-seconds (default 120),
 * so it never outlives a test run.
 *
 *   emulator-process.ts --address 127.x.y.z [--heartbeat-timeout 3000] [--settings '{"Width":1024}']
 *                       [--serial S] [--in-namespace] [--max-seconds 120]
 *
 * --in-namespace lets the camera bind a non-loopback address: only for a network namespace the
 * test created itself (test/interop/support/netns.ts).
 */
import { EmulatedCamera } from '../../lib/emulator';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

(async () => {
  const inNamespace = process.argv.includes('--in-namespace');
  const camera = await EmulatedCamera.start({
    address: arg('address') ?? '127.0.0.2',
    serial: arg('serial') ?? 'FAULT001',
    heartbeatTimeoutMs: arg('heartbeat-timeout') === undefined ? undefined : Number(arg('heartbeat-timeout')),
    settings: arg('settings') === undefined ? undefined : JSON.parse(arg('settings') as string),
    allowNetwork: inNamespace,
    broadcastAddresses: [],
  });
  camera.on('warning', (err: Error) => process.stderr.write(`warning: ${err.message}\n`));
  camera.server.on('control-released', (reason: string) => process.stdout.write(`RELEASED ${reason} ${Date.now()}\n`));
  process.stdout.write(`READY ${JSON.stringify({ address: camera.address, pid: process.pid })}\n`);
  const stop = async (): Promise<void> => {
    await camera.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => {
    void stop();
  });
  process.on('SIGINT', () => {
    void stop();
  });
  setTimeout(
    () => {
      void stop();
    },
    Number(arg('max-seconds') ?? '120') * 1000,
  ).unref();
})().catch((err: Error) => {
  process.stderr.write(`emulator-process: ${err.message}\n`);
  process.exit(1);
});
