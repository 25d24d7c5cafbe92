import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EmulatedCamera } from '../../lib/emulator/emulated-camera';
import { GvcpDevice } from '../../lib/gvcp/device';
import { NodeMap, Port, fetchDeviceXml, formatFeatureTable, toJsonSafe } from '../../lib/genicam';
import { uniqueLoopbackAddress } from '../support/loopback';
import { rejection } from './support';

/** Counts reads of the XML file area (the emulator keeps its files at 0x10000000 and up). */
function countingPort(port: Port): Port & { xmlReads: number } {
  const counting = {
    xmlReads: 0,
    read: async (address: number, length: number): Promise<Buffer> => {
      if (address >= 0x10000000) counting.xmlReads += 1;
      return port.read(address, length);
    },
    write: (address: number, data: Buffer): Promise<void> => port.write(address, data),
  };
  return counting;
}

describe('genicam over GVCP: the emulated DMK 38GX541-a', function () {
  this.timeout(20000);
  let camera: EmulatedCamera;
  let device: GvcpDevice;
  let map: NodeMap;
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'genicam-emulator-'));

  before(async () => {
    const address = uniqueLoopbackAddress();
    camera = await EmulatedCamera.start({ address, broadcastAddresses: [] });
    device = await GvcpDevice.connect({ address });
  });

  after(async () => {
    await device?.close();
    await camera?.stop();
    fs.rmSync(cacheDir, { recursive: true, force: true });
  });

  it('downloads the XML through the URL register once, then opens it from the disk cache', async () => {
    const first = countingPort(device.port);
    const loaded = await fetchDeviceXml(first, { cacheDir });
    assert.equal(loaded.source, 'device');
    assert.match(loaded.url, /^Local:DMK38GX541a\.zip;/);
    assert.ok(first.xmlReads > 1);
    const second = countingPort(device.port);
    const again = await fetchDeviceXml(second, { cacheDir });
    assert.equal(again.source, 'cache');
    assert.equal(again.xml, loaded.xml);
    assert.equal(second.xmlReads, 0);
    map = NodeMap.fromXml(loaded.xml, { device: device.port });
    assert.equal(map.info.modelName.length > 0, true);
  });

  it('lists every feature with a value, and nothing fails to read', async () => {
    const list = await map.list();
    assert.ok(list.length > 100, `only ${list.length} features`);
    assert.deepEqual(
      list.filter((f) => f.error).map((f) => `${f.name}: ${f.error}`),
      [],
    );
    const readable = list.filter((f) => (f.access === 'RO' || f.access === 'RW') && !['Command', 'Category'].includes(f.type));
    assert.deepEqual(
      readable.filter((f) => f.value === undefined).map((f) => f.name),
      [],
    );
    const byName = new Map(list.map((f) => [f.name, f]));
    assert.equal(byName.get('DeviceModelName')?.value, 'DMK 38GX541-a');
    assert.equal(byName.get('DeviceVendorName')?.value, 'The Imaging Source Europe GmbH');
    assert.deepEqual(
      byName.get('PixelFormat')?.entries?.map((e) => e.name),
      ['Mono8', 'Mono12Packed', 'Mono16'],
    );
    // Chunk and event features have no data yet: listed as not available, not as failures.
    assert.equal(byName.get('ChunkExposureTime')?.access, 'NA');
    // JSON, as `gige features --json` prints it, and the text table both work on the whole list.
    JSON.parse(JSON.stringify(toJsonSafe(list)));
    assert.ok(formatFeatureTable(list).split('\n').length === list.length + 1);
  });

  it('keeps PayloadSize consistent with Width, Height and PixelFormat as they change', async () => {
    const bytesPerPixel: Record<string, number> = { Mono8: 1, Mono16: 2 };
    for (const [width, format] of [
      [1024, 'Mono8'],
      [2048, 'Mono16'],
      [4504, 'Mono8'],
    ] as const) {
      await map.setValue('Width', width);
      await map.setValue('PixelFormat', format);
      const height = Number(await map.getValue('Height'));
      assert.equal(await map.getValue('PayloadSize'), width * height * bytesPerPixel[format]);
    }
  });

  it('refuses out-of-range and locked writes with what is allowed', async () => {
    const err = await rejection(map.setValue('Width', 20));
    assert.equal(err.code, 'OUT_OF_RANGE');
    assert.equal(err.message, 'Width: 20 is out of range; allowed 608…4504 in steps of 4 px');
    await map.setValue('TLParamsLocked', 1);
    try {
      const locked = await rejection(map.setValue('Width', 1024));
      assert.equal(locked.code, 'FEATURE_LOCKED');
      assert.match(locked.message, /^Width: locked by \w+ \(TLParamsLocked = 1\)/);
    } finally {
      await map.setValue('TLParamsLocked', 0);
    }
  });

  it('executes commands and waits for them to complete', async () => {
    await map.execute('AcquisitionStart');
    assert.equal(await map.getValue('AcquisitionStatus'), true);
    await map.execute('AcquisitionStop');
    assert.equal(await map.isDone('AcquisitionStop'), true);
  });
});
