/**
 * HDR: exposure fusion keeps the detail of the dark and the bright parts of a scene that no single
 * exposure holds; the "HDR merge" example fuses the emulated camera's multi-frame set (manual 5.11)
 * into one 8-bit PNG and saves the raw set (16-bit TIFF + sidecars) beside it.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { fuseExposures } from '../../nodes/hdr-fusion';
import { helper, onCall, placeExample, CORE_NODES, ALL_PACKAGE_NODES, FlowNode, nextSend } from './support';
import { uniqueLoopbackAddress } from '../support/loopback';

/** Standard deviation of `values` (0 … `scale`) over columns x0 … x1 of a `width`-wide image, in 8-bit units. */
function spread(values: ArrayLike<number>, width: number, height: number, x0: number, x1: number, scale: number): number {
  let sum = 0,
    sum2 = 0,
    n = 0;
  for (let y = 8; y < height - 8; y++) {
    for (let x = x0; x < x1; x++) {
      const v = (values[y * width + x] / scale) * 255;
      sum += v;
      sum2 += v * v;
      n++;
    }
  }
  const mean = sum / n;
  return Math.sqrt(sum2 / n - mean * mean);
}

describe('flows: HDR — a multi-frame set fused into one 8-bit image, the raw set saved alongside', function () {
  this.timeout(60000);

  it('fusion keeps the texture of both the dark and the bright half, where each exposure loses one and an average blurs both', () => {
    const [w, h] = [256, 128];
    // Scene radiance: a dark textured half (0.02 / 0.06) and a bright textured half (0.6 / 1.0).
    const scene = new Float32Array(w * h);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const texture = ((x >> 2) + (y >> 2)) % 2;
        scene[y * w + x] = x < w / 2 ? 0.02 + 0.04 * texture : 0.6 + 0.4 * texture;
      }
    const frames = [0.5, 2, 8, 32].map((k) => scene.map((v) => Math.min(1, v * k)));
    const dark = (a: ArrayLike<number>, scale: number) => spread(a, w, h, 8, w / 2 - 8, scale);
    const bright = (a: ArrayLike<number>, scale: number) => spread(a, w, h, w / 2 + 8, w - 8, scale);
    const bestDark = Math.max(...frames.map((f) => dark(f, 1)));
    const bestBright = Math.max(...frames.map((f) => bright(f, 1)));
    for (const f of frames)
      assert.ok(dark(f, 1) < 0.6 * bestDark || bright(f, 1) < 0.6 * bestBright, 'no single exposure holds both halves');
    const fused = fuseExposures(frames, w, h);
    assert.ok(dark(fused, 255) > 0.7 * bestDark, `dark half: fused ${dark(fused, 255).toFixed(1)}, best frame ${bestDark.toFixed(1)}`);
    assert.ok(
      bright(fused, 255) > 0.7 * bestBright,
      `bright half: fused ${bright(fused, 255).toFixed(1)}, best frame ${bestBright.toFixed(1)}`,
    );
    const average = new Float32Array(w * h);
    for (const f of frames) for (let i = 0; i < average.length; i++) average[i] += f[i] / frames.length;
    assert.ok(bright(average, 1) < 0.7 * bestBright, 'a plain average would not pass the bright-half check');
  });

  it('"HDR merge": the camera\'s 4-exposure set → one 8-bit PNG; the raw set as 16-bit TIFF with sidecars in a new folder', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gige-hdr-'));
    await helper.startServer();
    try {
      const address = uniqueLoopbackAddress();
      const flow = placeExample('HDR merge', (n) => {
        if (n.type === 'gige-camera-config') return { ...n, address };
        if (n.type === 'gige-hdr-merge') return { ...n, folder: dir };
        return n;
      });
      await helper.load([...ALL_PACKAGE_NODES, ...CORE_NODES], flow);
      const merged = nextSend('hd0merge00000000', () => true, 45000);
      const errors: string[] = [];
      onCall(helper.getNode('hd0catch00000000'), 'send', (args) =>
        errors.push(String((args[0] as { error?: { message?: string } }).error?.message)),
      );
      // The camera takes its settings once connected: ask for sets until one is merged (bounded).
      let done = false;
      merged.then(
        () => {
          done = true;
        },
        () => undefined,
      );
      for (let i = 0; i < 20 && !done; i++) {
        helper.getNode('hd0inject0000000').receive({ payload: Date.now() });
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          merged.catch(() => undefined),
          new Promise((r) => {
            timer = setTimeout(r, 2000);
          }),
        ]);
        clearTimeout(timer);
      }
      const msg = await merged.catch((err: Error) => {
        throw new Error(`${err.message}; errors caught: ${errors.join(' | ')}`);
      });
      const meta = await sharp(msg.payload).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height, meta.depth, meta.channels], ['png', 1024, 768, 'uchar', 1]);
      assert.deepEqual(msg.image.exposures, [500, 2000, 8000, 32000], 'the chunk exposure of each frame, in order');
      assert.ok(msg.image.hdr.fuseMs >= 0 && msg.image.hdr.mergeMs >= msg.image.hdr.fuseMs);

      // The raw set beside the merged image.
      const folder = msg.saved.folder as string;
      assert.equal(path.dirname(folder), dir);
      const files = fs.readdirSync(folder).sort();
      assert.equal(files.filter((f) => f.endsWith('.tif')).length, 4);
      assert.equal(files.filter((f) => f.endsWith('.json') && f !== 'set.json').length, 4);
      assert.ok(files.includes(msg.saved.merged) && files.includes('set.json'));
      assert.deepEqual(fs.readFileSync(path.join(folder, msg.saved.merged)), msg.payload);
      const tiffs = await Promise.all(msg.saved.files.map((f: { file: string }) => sharp(path.join(folder, f.file)).metadata()));
      for (const t of tiffs) assert.deepEqual([t.width, t.height, t.depth], [1024, 768, 'ushort']);

      // The emulated scene is a 12-bit ramp (docs/architecture.md); the 8000 µs frame clips nowhere,
      // so it orders the pixels by scene brightness. The merged image keeps that order (no tone
      // inversion) and spreads it over most of the 8-bit range, while the longest exposure clips.
      const pixels = await sharp(msg.payload).toColourspace('b-w').raw().toBuffer();
      const frame = async (i: number) =>
        sharp(path.join(folder, msg.saved.files[i].file)).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer();
      const [reference, longest] = [await frame(2), await frame(3)];
      let clipped = 0;
      for (let i = 0; i < longest.length; i += 2) if (longest.readUInt16LE(i) >= 4095 * 16) clipped++;
      assert.ok(clipped / pixels.length > 0.1, `the longest exposure clips ${clipped} pixels`);
      // Eight groups of equal size by scene brightness (the ramp wraps, so by rank, not by value).
      const order = Array.from({ length: pixels.length }, (_, i) => i).sort(
        (x, y) => reference.readUInt16LE(2 * x) - reference.readUInt16LE(2 * y),
      );
      const group = Math.floor(order.length / 8);
      const means = Array.from({ length: 8 }, (_, g) => {
        let sum = 0;
        for (let k = g * group; k < (g + 1) * group; k++) sum += pixels[order[k]];
        return sum / group;
      });
      for (let i = 1; i < means.length; i++)
        assert.ok(means[i] > means[i - 1], `merged brightness follows the scene: ${means.map((m) => m.toFixed(0))}`);
      assert.ok(means[means.length - 1] - means[0] > 90, `merged range: ${means.map((m) => m.toFixed(0))}`);
    } finally {
      await helper.unload();
      await helper.stopServer();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses encoded frames and a single frame with what it needs', async () => {
    await helper.startServer();
    try {
      const flow: FlowNode[] = [
        { id: 't', type: 'tab', label: 't' },
        { id: 'merge', type: 'gige-hdr-merge', z: 't', output: 'png', folder: '', rawFormat: 'tiff', x: 100, y: 100, wires: [[]] },
        { id: 'catch', type: 'catch', z: 't', scope: null, x: 100, y: 200, wires: [['out']] },
        { id: 'out', type: 'helper', z: 't', x: 300, y: 200 },
      ];
      await helper.load([...ALL_PACKAGE_NODES, ...CORE_NODES], flow);
      const jpeg = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#000' } })
        .jpeg()
        .toBuffer();
      const image = { width: 4, height: 4, pixelFormat: 'Mono8', encoding: 'jpeg', timestamp: '1' };
      let caught = nextSend('catch');
      helper.getNode('merge').receive({ payload: [jpeg, jpeg], image: [image, image] });
      assert.match((await caught).error.message, /exposure fusion needs raw frames \(set the grab node's encoding to raw\)/);
      caught = nextSend('catch');
      helper.getNode('merge').receive({ payload: Buffer.alloc(16), image: { ...image, encoding: 'raw' } });
      assert.match((await caught).error.message, /takes a whole multi-frame set: msg\.payload an array of raw frames/);
    } finally {
      await helper.unload();
      await helper.stopServer();
    }
  });
});
