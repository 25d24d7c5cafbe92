/**
 * gige-record's files: 16-bit TIFF and PNG for Mono12 and Mono16 frames, sensor bits in the MSBs,
 * the JSON sidecar carries msg.image, and a name already taken is never replaced.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { writeFrame, FrameRecord } from '../../nodes/gige-record-files';

function mono16(values: number[]): Buffer {
  const out = Buffer.alloc(values.length * 2);
  values.forEach((v, i) => out.writeUInt16LE(v, i * 2));
  return out;
}

/** Mono12Packed: two 12-bit pixels in 3 bytes (GigE Vision: byte 1 holds both low nibbles). */
function mono12Packed(values: number[]): Buffer {
  const out = Buffer.alloc((values.length / 2) * 3);
  for (let i = 0; i < values.length; i += 2) {
    const [a, b] = [values[i], values[i + 1]];
    out[(i / 2) * 3] = a >> 4;
    out[(i / 2) * 3 + 1] = (a & 0xf) | ((b & 0xf) << 4);
    out[(i / 2) * 3 + 2] = b >> 4;
  }
  return out;
}

describe('gige-record files: 16-bit TIFF and PNG, sidecar, no overwrite', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gige-files-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const values = [0, 1, 2047, 4095, 100, 4000, 7, 3000];
  const cases: Array<{ pixelFormat: string; payload: Buffer; expected: number[]; scale?: number }> = [
    { pixelFormat: 'Mono12Packed', payload: mono12Packed(values), expected: values.map((v) => v * 16), scale: 16 },
    { pixelFormat: 'Mono12', payload: mono16(values), expected: values.map((v) => v * 16), scale: 16 },
    { pixelFormat: 'Mono16', payload: mono16(values.map((v) => v * 16 + 5)), expected: values.map((v) => v * 16 + 5) },
  ];
  for (const format of ['tiff', 'png'] as const) {
    for (const c of cases) {
      it(`${c.pixelFormat} → 16-bit ${format.toUpperCase()}, values in the upper bits, sidecar with msg.image`, async () => {
        const record: FrameRecord = {
          payload: c.payload,
          camera: 'EMU1',
          image: { width: 4, height: 2, pixelFormat: c.pixelFormat, timestamp: '1234567890', frameId: 3 },
        };
        const written = await writeFrame(dir, record, format, true);
        assert.equal(path.basename(written.file), `EMU1-00000000001234567890.${format === 'tiff' ? 'tif' : 'png'}`);
        const { data, info } = await sharp(written.file)
          .toColourspace('grey16')
          .raw({ depth: 'ushort' })
          .toBuffer({ resolveWithObject: true });
        assert.deepEqual([info.width, info.height, info.channels], [4, 2, 1]);
        const meta = await sharp(written.file).metadata();
        assert.equal(meta.depth, 'ushort');
        const read = Array.from(new Uint16Array(data.buffer, data.byteOffset, data.length / 2));
        assert.deepEqual(read, c.expected);
        const sidecar = JSON.parse(fs.readFileSync(written.sidecar!, 'utf8'));
        assert.equal(sidecar.file, path.basename(written.file));
        assert.equal(sidecar.valueScale, c.scale);
        assert.deepEqual(sidecar.image, record.image);
      });
    }
  }

  it('a second frame with the same timestamp gets "-2", the first file stays as it was', async () => {
    const record = (v: number): FrameRecord => ({
      payload: Buffer.alloc(4, v),
      camera: 'EMU1',
      image: { width: 2, height: 2, pixelFormat: 'Mono8', timestamp: '7' },
    });
    const first = await writeFrame(dir, record(10), 'png', true);
    const second = await writeFrame(dir, record(200), 'png', true);
    assert.equal(path.basename(second.file), 'EMU1-00000000000000000007-2.png');
    assert.equal(path.basename(second.sidecar!), 'EMU1-00000000000000000007-2.json');
    const firstPixels = await sharp(first.file).toColourspace('b-w').raw().toBuffer();
    assert.deepEqual([...firstPixels], [10, 10, 10, 10]);
    assert.deepEqual(
      fs.readdirSync(dir).filter((f) => f.endsWith('.part')),
      [],
    );
  });
});
