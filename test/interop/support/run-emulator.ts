/**
 * Runs one test device (GvcpServer + the GVCP test model) — meant to be started inside a test
 * namespace by `Namespace.spawnNode`. Prints `READY <json>` when it answers; exits on SIGTERM or
 * after --max-seconds (default 60), so it never outlives a test run.
 *   run-emulator.ts --address 10.77.1.20 --broadcast 10.77.1.255,255.255.255.255 --subnet 255.255.255.0
 *                   --serial S --mac 02:.. [--allow-non-loopback] [--max-seconds 60]
 */
import { GvcpServer } from '../../../lib/emulator/gvcp-server';
import { TestModel } from '../../gvcp/support/test-model';

function arg(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

(async () => {
  const model = new TestModel({ serial: arg('serial', 'NS0001'), mac: arg('mac', '02:00:00:00:00:01') });
  const server = await GvcpServer.start({
    address: arg('address', '127.0.0.2')!,
    broadcastAddresses: (arg('broadcast', '') ?? '').split(',').filter(Boolean),
    subnetMask: arg('subnet'),
    allowNonLoopback: process.argv.includes('--allow-non-loopback'),
    model,
  });
  server.on('warning', (err: Error) => process.stderr.write(`warning: ${err.message}\n`));
  process.stdout.write(`READY ${JSON.stringify({ address: server.address })}\n`);
  const stop = async (): Promise<void> => {
    await server.close();
    await model.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => { void stop(); });
  process.on('SIGINT', () => { void stop(); });
  setTimeout(() => { void stop(); }, Number(arg('max-seconds', '60')) * 1000).unref();
})().catch((err: Error) => {
  process.stderr.write(`run-emulator: ${err.message}\n`);
  process.exit(1);
});
