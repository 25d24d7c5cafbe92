/**
 * HDR merge: time to fuse a 4-exposure multi-frame set into one 8-bit image in gige-hdr-merge's
 * worker thread (nodes/hdr-fusion.ts), and to encode it as PNG with sharp, at the example's
 * 1024 × 768 and at the full 4504 × 4504 — Mono12 samples, exposures 500/2000/8000/32000 µs of a
 * textured ramp (clipped where a frame saturates).
 *
 *   npm run bench:hdr                 5 sets at 1024 × 768, 2 at 4504 × 4504
 *   npm run bench:hdr -- --dist       the compiled worker (dist/nodes), as Node-RED runs it
 *
 * Prints `RESULT size=… frames=4 fuse_ms_median=… png_ms_median=… runs=…`.
 */
import * as os from 'node:os';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';

const dist = process.argv.includes('--dist');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { FusionWorker } = require(
  dist ? '../dist/nodes/hdr-fusion-pool' : '../nodes/hdr-fusion-pool',
) as typeof import('../nodes/hdr-fusion-pool');

function set(width: number, height: number): Array<{ samples: Uint16Array; significantBits: number }> {
  return [0.05, 0.2, 0.8, 3.2].map((k) => {
    const samples = new Uint16Array(width * height);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const scene = ((x + y) % 4096) + (((x >> 3) + (y >> 3)) % 2) * 200;
        samples[y * width + x] = Math.min(4095, Math.round(scene * k));
      }
    }
    return { samples, significantBits: 12 };
  });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  console.log(
    `HDR merge (${dist ? 'dist' : 'tsx'}), ${os.cpus().length} CPUs, Node ${process.version}, load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const worker = new FusionWorker();
  try {
    for (const [width, height, runs] of [
      [1024, 768, 5],
      [4504, 4504, 2],
    ]) {
      const fuse: number[] = [];
      const png: number[] = [];
      const wall: number[] = [];
      for (let r = 0; r < runs; r++) {
        const frames = set(width, height);
        const started = performance.now();
        const { pixels, fuseMs } = await worker.fuse({ width, height, frames });
        const fused = performance.now();
        await sharp(pixels, { raw: { width, height, channels: 1 } })
          .toColourspace('b-w')
          .png({ compressionLevel: 3 })
          .toBuffer();
        png.push(performance.now() - fused);
        fuse.push(fuseMs);
        wall.push(performance.now() - started);
      }
      console.log(
        `RESULT size=${width}x${height} frames=4 fuse_ms_median=${median(fuse).toFixed(0)} png_ms_median=${median(png).toFixed(0)} set_to_png_ms_median=${median(wall).toFixed(0)} runs=${runs}`,
      );
    }
  } finally {
    await worker.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
