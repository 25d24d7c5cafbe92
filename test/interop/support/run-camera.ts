/**
 * Runs the emulated DMK 38GX541-a (the camera model behind our GVCP server, as `EmulatedCamera`
 * composes them) for Aravis tools inside a test namespace. Unlike `EmulatedCamera` it may listen on
 * 255.255.255.255:3956 (`--allow-non-loopback`), which Aravis' discovery needs — only ever inside
 * a namespace that has just `lo`. Prints `READY <json>`; exits on SIGTERM or after --max-seconds.
 *   run-camera.ts --address 127.0.0.2 [--serial S] [--broadcast 127.255.255.255,255.255.255.255]
 *                 [--allow-non-loopback] [--settings Width=1024,Height=1024] [--max-seconds 120]
 */
import { GvcpServer } from '../../../lib/emulator/gvcp-server';
import { Dmk38gx541 } from '../../../lib/emulator/dmk38gx541/camera-model';

function arg(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

(async () => {
  const address = arg('address', '127.0.0.2')!;
  const settings: Record<string, string | number> = {};
  for (const kv of (arg('settings', '') ?? '').split(',').filter(Boolean)) {
    const [k, v] = kv.split('=');
    settings[k] = /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
  }
  const model = new Dmk38gx541({ address, serial: arg('serial'), settings });
  const server = await GvcpServer.start({
    address,
    model,
    broadcastAddresses: (arg('broadcast', '127.255.255.255') ?? '').split(',').filter(Boolean),
    allowNonLoopback: process.argv.includes('--allow-non-loopback'),
  });
  server.on('warning', (err: Error) => process.stderr.write(`warning: ${err.message}\n`));
  process.stdout.write(`READY ${JSON.stringify({ address, serial: model.identity.serialNumber })}\n`);
  const stop = async (): Promise<void> => {
    await model.close();
    await server.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => { void stop(); });
  process.on('SIGINT', () => { void stop(); });
  setTimeout(() => { void stop(); }, Number(arg('max-seconds', '120')) * 1000).unref();
})().catch((err: Error) => {
  process.stderr.write(`run-camera: ${err.message}\n`);
  process.exit(1);
});
