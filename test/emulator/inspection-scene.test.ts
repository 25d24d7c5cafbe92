/**
 * The inspection scene as a flow sees it: frames from an emulated camera with `scene: inspection`,
 * an ROI on the inspection station, and the bright-pixel area an example flow would measure — the
 * part with the frame's block id, whole or with the defect the seed gives it. Noise grows with Gain.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { Client, IDENTITY_RESPONSE, StreamHandle, configure, openClient } from './support/client';
import { INSPECTION_SCENE as S, InspectionSceneOptions, inspectionDefect, partBrightArea } from '../../lib/emulator/dmk38gx541/scene';
import { builtCli } from '../support/processes';

const SCENE: InspectionSceneOptions = { kind: 'inspection', seed: 42, defectRate: 0.5 };

describe('emulator: the inspection scene', function () {
  this.timeout(30000);
  let client: Client;
  let stream: StreamHandle;

  before(async () => {
    client = await openClient({ scene: SCENE });
    // The station's pitch cell over the belt: only the part under inspection is bright in it.
    await configure(client, {
      ...IDENTITY_RESPONSE,
      PixelFormat: 'Mono8',
      OffsetAutoCenter: 'Off',
      Width: S.pitch,
      Height: S.beltBottom - S.beltTop,
      OffsetX: S.stationX - S.pitch / 2,
      OffsetY: S.beltTop,
      AcquisitionFrameRate: 10,
    });
    stream = await client.openStream();
  });
  after(async () => {
    await client?.close();
  });

  it("frame with block id b shows part b at the station: 900 × 1300 bright pixels, less exactly its defect's area", async () => {
    const frames = await stream.grab(8, 10000);
    const kinds = new Set<string>();
    for (const frame of frames) {
      let bright = 0;
      for (const v of frame.data) if (v >= 128) bright += 1;
      const defect = inspectionDefect(SCENE, Number(frame.blockId));
      kinds.add(defect?.kind ?? 'good');
      assert.equal(bright, partBrightArea(defect), `block ${frame.blockId}: ${defect ? JSON.stringify(defect) : 'a good part'}`);
    }
    assert.ok(
      kinds.has('good') && kinds.size >= 2,
      `8 frames at a defect rate of ${SCENE.defectRate} show good and defective parts: ${[...kinds].join(', ')}`,
    );
  });

  it('sensor noise grows with Gain (the transfer table amplifies it)', async () => {
    const beltNoise = async (gain: number): Promise<number> => {
      await configure(client, { Gain: gain });
      const [frame] = await stream.grab(1, 5000);
      // Belt rows above the parts: scene value 700 everywhere except the seams at the cell edges.
      const values: number[] = [];
      for (let y = 20; y < 200; y += 1) for (let x = 100; x < S.pitch - 100; x += 1) values.push(frame.data[y * S.pitch + x]);
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      return Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    };
    const quiet = await beltNoise(0);
    const loud = await beltNoise(12);
    assert.ok(loud > 3 * quiet, `σ at 12 dB ${loud.toFixed(2)} DN vs ${quiet.toFixed(2)} DN at 0 dB`);
    await configure(client, { Gain: 0 });
  });

  it('gige emulate refuses an unknown scene, naming the allowed ones', () => {
    const r = spawnSync(process.execPath, [builtCli(), 'emulate', '--scene', 'forest'], { encoding: 'utf8', timeout: 20000 });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /--scene forest is not allowed; give ramp .* or inspection/);
  });
});
