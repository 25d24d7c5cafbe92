/**
 * Child process for external-memory.test.ts: a fresh process (little other external memory) that
 * streams full-size 4504² frames from an emulated camera, keeps some (handed over, as a flow does)
 * and lets the rest go — 40 more kept and dropped, so that V8 collects them on its own — then exits. Prints "ok" at the end; a V8 check failure aborts it instead.
 */
import { EmulatedCamera } from '../../../lib/emulator';
import { Camera } from '../../../lib/camera/camera';

async function main(): Promise<void> {
  const address = process.argv[2];
  const emulator = await EmulatedCamera.start({
    address,
    settings: { OffsetAutoCenter: 'On', Width: 4504, Height: 4504, ExposureAuto: 'Off', ExposureTime: 1000 },
  });
  const camera = await Camera.open({ address, packetSize: 9000 });
  try {
    const kept = [];
    for (let i = 0; i < 6; i++) {
      const frame = await camera.grab(10000);
      if (i % 2 === 0) kept.push(frame.detach());
      else frame.release();
    }
    kept.length = 0;
    // A stream of frames kept and dropped, as a flow does: V8 collects them when it sees frame
    // memory grow, the receiver counts their blocks as spares and takes them off again as new
    // frames reuse them.
    await camera.startAcquisition();
    let spareBytesCounted = 0;
    for (let i = 0; i < 24; i++) {
      const frame = await camera.nextFrame(10000);
      kept.push(frame.detach());
      if (kept.length > 2) kept.shift();
      spareBytesCounted = Math.max(spareBytesCounted, camera.streamStatistics()?.spareBytesCounted ?? 0);
    }
    kept.length = 0;
    const stats = camera.streamStatistics();
    await camera.stopAcquisition();
    process.stdout.write(
      `spare bytes counted at most: ${spareBytesCounted}; handed over ${stats?.buffersHandedOver}, copied ${stats?.framesCopied}\n`,
    );
  } finally {
    await camera.close();
    await emulator.stop();
  }
  process.stdout.write('ok\n');
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
