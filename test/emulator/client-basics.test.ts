import { strict as assert } from 'node:assert';
import { Client, IDENTITY_RESPONSE, configure, openClient } from './support/client';
import { renderRampReference } from '../../lib/stream/scene-reference';
import { PixelFormat } from '../../lib/stream';

describe('emulator: DMK 38GX541-a through the client (walking skeleton)', function () {
  this.timeout(20000);
  let client: Client;

  before(async () => {
    client = await openClient({ serial: '38541042' });
  });
  after(async () => {
    await client?.close();
  });

  it('identifies itself as the manual says', async () => {
    assert.equal(await client.get('DeviceVendorName'), 'The Imaging Source Europe GmbH');
    assert.equal(await client.get('DeviceModelName'), 'DMK 38GX541-a');
    assert.equal(await client.get('DeviceSerialNumber'), '38541042');
  });

  it('lists every feature of its XML without a read error', async () => {
    const all = await client.map.list();
    const failed = all.filter((f) => f.error && !/event|chunk/i.test(f.error) && f.access !== 'WO');
    assert.deepEqual(
      failed.map((f) => `${f.name}: ${f.error}`),
      [],
    );
    assert.ok(all.length > 150, `${all.length} features`);
  });

  it('refuses an out-of-range Width and names the allowed range', async () => {
    await assert.rejects(client.set('Width', 600), /608/);
  });

  it('streams the documented test pattern, byte for byte', async () => {
    await configure(client, { ...IDENTITY_RESPONSE, Width: 640, Height: 480, OffsetAutoCenter: 'Off' });
    await configure(client, { OffsetX: 100, OffsetY: 40, PixelFormat: 'Mono8', AcquisitionFrameRate: 30 });
    const handle = await client.openStream();
    await client.execute('AcquisitionStart');
    const frames = await handle.next(3);
    await client.execute('AcquisitionStop');
    for (const frame of frames) {
      assert.equal(frame.status, 'complete');
      assert.equal(frame.width, 640);
      assert.equal(frame.offsetX, 100);
      const expected = renderRampReference({
        width: 640,
        height: 480,
        pixelFormat: PixelFormat.Mono8,
        originX: 100,
        originY: 40,
        phase: frame.blockId,
      });
      assert.ok(frame.data.equals(expected), `frame ${frame.blockId} differs from the scene`);
    }
  });
});
