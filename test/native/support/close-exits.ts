/**
 * Child process for receiver.test.ts: streams two frames, closes everything, and must then exit on
 * its own (no process.exit): a thread or handle left behind would keep it alive and the parent's
 * timeout would kill it. Prints thread counts and the resources left after close.
 */
import * as fs from 'node:fs';

import { PixelFormat } from '../../../lib/stream/pixel-formats';
import { openStreamPair, sceneBlock } from './stream-pair';

function threadCount(): number {
  return fs.readdirSync('/proc/self/task').length;
}

async function main(): Promise<void> {
  const threadsBefore = threadCount();
  const pair = await openStreamPair({ packetSize: 1500, maxPayloadSize: 100 * 100 });
  const params = { width: 100, height: 100, pixelFormat: PixelFormat.Mono8 };
  await pair.sender.sendBlock(sceneBlock(1n, params));
  await pair.sender.sendBlock(sceneBlock(2n, params));
  await pair.waitFrames(2);
  const during = threadCount();
  await pair.close();
  await new Promise((r) => setImmediate(r));
  const report = {
    frames: pair.frames.length,
    threadsBefore,
    threadsDuring: during,
    threadsAfterClose: threadCount(),
    // Names, not a count: tsx's cache writes (FSReqCallback) come and go at start-up, so a count
    // taken before the stream opened is not a stable baseline.
    resourcesAfterClose: process.getActiveResourcesInfo(),
  };
  process.stdout.write(JSON.stringify(report) + '\n');
}

main().catch((err) => {
  process.stderr.write(String(err?.stack ?? err));
  process.exitCode = 1;
});
