/**
 * Runs one emulated camera (`EmulatedCamera`: the DMK 38GX541-a behind our GVCP server) — meant to
 * be started inside a test namespace by `Namespace.spawnNode`. Prints `READY <json>` when it
 * answers; exits on SIGTERM or after --max-seconds (default 60), so it never outlives a test run.
 *   run-emulator.ts --address 10.77.1.20 --broadcast 10.77.1.255,255.255.255.255 --subnet 255.255.255.0
 *                   --serial S --mac 02:.. [--allow-network] [--max-seconds 60]
 */
import { EmulatedCamera } from '../../../lib/emulator';

function arg(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

(async () => {
  const camera = await EmulatedCamera.start({
    address: arg('address', '127.0.0.2'),
    serial: arg('serial', 'NS0001'),
    macAddress: arg('mac', '02:00:00:00:00:01'),
    broadcastAddresses: (arg('broadcast', '') ?? '').split(',').filter(Boolean),
    subnetMask: arg('subnet'),
    allowNetwork: process.argv.includes('--allow-network'),
  });
  camera.on('warning', (err: Error) => process.stderr.write(`warning: ${err.message}\n`));
  process.stdout.write(`READY ${JSON.stringify({ address: camera.address })}\n`);
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
    Number(arg('max-seconds', '60')) * 1000,
  ).unref();
})().catch((err: Error) => {
  process.stderr.write(`run-emulator: ${err.message}\n`);
  process.exit(1);
});
