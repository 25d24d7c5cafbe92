import { strict as assert } from 'node:assert';
import { monitorEventLoopDelay } from 'node:perf_hooks';

import { PixelFormat } from '../../lib/stream/pixel-formats';
import { openStreamPair, sceneBlock, type StreamPair } from './support/stream-pair';

// The benchmark (npm run bench:stream) prints the p99 event-loop delay at the highest zero-loss
// rate it reaches, with the camera in another process (3–6 ms, bench/README.md); this is the loose
// check of the same property inside the test suite. Here the camera's sender thread and the kernel's
// loopback delivery share this process and the machine's two cores, which costs a few ms more (one
// clean CI run measured 10.6 ms), so the bound is twice the benchmark's goal.
describe('native streaming leaves the event loop responsive', function () {
  this.timeout(20000);
  let pair: StreamPair | undefined;
  afterEach(async () => {
    await pair?.close();
    pair = undefined;
  });

  it('p99 event-loop delay < 20 ms while 4504×4504 Mono8 frames stream at ~1 GB/s (sender in the same process)', async () => {
    const params = { width: 4504, height: 4504, pixelFormat: PixelFormat.Mono8 };
    // The sender here only stands in for a camera at 1 GB/s (eight times a GigE link) and shares
    // this process: it uses segmentation offload, the sender's benchmark mode, so that its own
    // per-datagram cost does not count against the receiver being measured.
    pair = await openStreamPair({ packetSize: 9000, maxPayloadSize: 4504 * 4504 }, { bandwidthBytesPerSecond: 1_000_000_000, segmentationOffload: true }, undefined, false);
    const blocks = [1n, 2n, 3n, 4n].map((id) => sceneBlock(id, params));
    // Like the package's own consumers, look at each frame and let it go (released after the event).
    let complete = 0;
    pair.stream.on('frame', (frame) => {
      if (frame.status === 'complete') complete += 1;
    });
    const lag = monitorEventLoopDelay({ resolution: 1 });
    lag.enable();
    const start = performance.now();
    let sent = 0;
    // 40 frames ≈ 0.8 s of 20 MB frames; consumers only look at the metadata, as a flow would.
    while (sent < 40) {
      const block = { ...blocks[sent % 4], blockId: BigInt(sent + 1) };
      await pair.sender.sendBlock(block);
      sent += 1;
    }
    for (let waited = 0; complete < 40 && waited < 5000; waited += 10) await new Promise((r) => setTimeout(r, 10));
    lag.disable();
    const seconds = (performance.now() - start) / 1000;
    const p99 = lag.percentile(99) / 1e6;
    const mbps = (40 * 4504 * 4504) / seconds / 1e6;
    assert.ok(mbps > 300, `streamed ${mbps.toFixed(0)} MB/s: ${JSON.stringify(pair.stream.stats())}`);
    assert.equal(complete, 40, JSON.stringify(pair.stream.stats()));
    assert.ok(p99 < 20, `p99 event-loop delay ${p99.toFixed(2)} ms at ${mbps.toFixed(0)} MB/s`);
  });
});
