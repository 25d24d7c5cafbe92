/**
 * Child process: runs the benchmark device (bench-device.ts) on a loopback address until told to
 * stop. IPC: {type: 'stats'} → {type: 'stats', stats}; {type: 'stop'} → closes and exits.
 * Its own process, so that the device's JavaScript never shares an event loop with a receiver.
 */
import { startBenchDevice } from './bench-device';

async function main(): Promise<void> {
  const address = process.argv[2] ?? '127.0.0.2';
  const segmentationOffload = process.argv[3] !== 'no-gso';
  const linkFactor = Number(process.argv[4] ?? '1.1');
  const { server, model } = await startBenchDevice(address, { linkFactor, segmentationOffload });
  const stop = async (): Promise<void> => {
    await server.close();
    await model.close();
    process.disconnect?.();
  };
  process.on('message', (msg: { type: string }) => {
    if (msg.type === 'stats') process.send?.({ type: 'stats', stats: { ...model.stats(), server: server.stats() } });
    else if (msg.type === 'stop') void stop();
  });
  process.on('disconnect', () => void server.close().then(() => model.close()));
  process.send?.({ type: 'ready', address });
}

main().catch((err) => {
  process.stderr.write(`bench device: ${err?.stack ?? err}\n`);
  process.exit(1);
});
