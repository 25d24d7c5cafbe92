import { strict as assert } from 'node:assert';
import { testcam } from './testcam';
import { rejection } from './support';

describe('genicam NodeMap on the TestCam fixture', () => {
  it('reads the description info', () => {
    const { map } = testcam();
    assert.equal(map.info.vendorName, 'Example');
    assert.equal(map.info.modelName, 'TestCam');
    assert.equal(map.info.schemaVersion, '1.1.0');
    assert.equal(map.info.version, '3.1.4');
  });

  const reads: [string, unknown][] = [
    ['DeviceVendorName', 'Example'],
    ['DeviceModelName', 'TestCam'],
    ['DeviceTemperature', 41.5],
    ['SensorWidth', 4504],
    ['Width', 4504],
    ['Height', 4504],
    ['OffsetX', 0],
    ['PixelFormat', 'Mono8'],
    ['ReverseX', false],
    ['TestPattern', 'Off'],
    ['AcquisitionMode', 'Continuous'],
    ['AcquisitionFrameRate', 25],
    ['ExposureTime', 10000],
    ['Gain', 1.5],
    ['TriggerSelector', 'FrameStart'],
    ['TriggerMode', 'Off'],
    ['PayloadSize', 4504 * 4504],
    ['TLParamsLocked', 0],
    ['GevSCPSPacketSize', 1500],
    ['GevSCPSDoNotFragment', false],
  ];
  for (const [name, expected] of reads) {
    it(`getValue(${name}) = ${JSON.stringify(expected)}`, async () => {
      const { map } = testcam();
      assert.deepEqual(await map.getValue(name), expected);
    });
  }

  it('writes through to registers in the declared byte order', async () => {
    const { map, mem } = testcam();
    await map.setValue('Width', 1024);
    assert.equal(mem.readUInt32BE(0xa000), 1024);
    await map.setValue('Gain', 12.5);
    assert.equal(mem.readFloatLE(0xa038), 12.5);
    await map.setValue('ExposureTime', 123.25);
    assert.equal(mem.readDoubleBE(0xa030), 123.25);
    await map.setValue('PixelFormat', 'Mono16');
    assert.equal(mem.readUInt32BE(0xa00c), 0x01100007);
    await map.setValue('DeviceUserID', 'left');
    assert.equal(mem.toString('latin1', 0xe8, 0xe8 + 5), 'left\0');
  });

  it('names the feature, the value and the allowed range in range errors', async () => {
    const { map } = testcam();
    let err = await rejection(map.setValue('Width', 20));
    assert.equal(err.code, 'OUT_OF_RANGE');
    assert.equal(err.message, 'Width: 20 is out of range; allowed 608…4504 in steps of 8 px');
    err = await rejection(map.setValue('Width', 613));
    assert.equal(err.message, 'Width: 613 is not a valid step; allowed 608…4504 in steps of 8 px');
    err = await rejection(map.setValue('ExposureTime', 40000000));
    assert.equal(err.message, 'ExposureTime: 40000000 is out of range; allowed 2…30000000 us');
    err = await rejection(map.setValue('Gain', 1.25));
    assert.match(err.message, /^Gain: 1\.25 is not a valid step; allowed 0…48 in steps of 0\.1 dB$/);
    err = await rejection(map.setValue('PixelFormat', 'Mono10'));
    assert.equal(err.message, 'PixelFormat: "Mono10" is not one of its entries; allowed Mono8, Mono12Packed, Mono16');
    err = await rejection(map.setValue('Width', 'wide'));
    assert.equal(err.code, 'INVALID_VALUE');
    assert.match(err.message, /^Width: "wide" is not an integer/);
  });

  it('accepts strings for every type (what a CLI passes)', async () => {
    const { map } = testcam();
    await map.setValue('Width', '0x400');
    assert.equal(await map.getValue('Width'), 1024);
    await map.setValue('Gain', '3.5');
    assert.equal(await map.getValue('Gain'), 3.5);
    await map.setValue('ReverseX', 'true');
    assert.equal(await map.getValue('ReverseX'), true);
    await map.setValue('AcquisitionMode', 'SingleFrame');
    assert.equal(await map.getValue('AcquisitionMode'), 'SingleFrame');
  });

  it('re-reads PayloadSize after Width changes (formula over cached registers)', async () => {
    const { map } = testcam();
    assert.equal(await map.getValue('PayloadSize'), 4504 * 4504);
    await map.setValue('Width', 1024);
    assert.equal(await map.getValue('PayloadSize'), 1024 * 4504);
    await map.setValue('PixelFormat', 'Mono12Packed');
    assert.equal(await map.getValue('PayloadSize'), 1536 * 4504);
    await map.setValue('PixelFormat', 'Mono16');
    assert.equal(await map.getValue('PayloadSize'), 2048 * 4504);
  });

  it('serves cached reads without touching the device, NoCache reads always', async () => {
    const { map, port } = testcam();
    await map.getValue('Width');
    const before = port.reads;
    for (let i = 0; i < 5; i += 1) await map.getValue('Width');
    assert.equal(port.reads, before);
    await map.getValue('DeviceTemperature');
    const afterTemperature = port.reads;
    await map.getValue('DeviceTemperature');
    assert.equal(port.reads, afterTemperature + 1);
  });

  it('maps Converter ranges through FormulaFrom (AcquisitionFrameRate from the period limits)', async () => {
    const { map, mem } = testcam();
    const description = await map.describe('AcquisitionFrameRate');
    assert.equal(description.min, 0.1);
    assert.equal(description.max, 1000);
    await map.setValue('AcquisitionFrameRate', 10);
    assert.equal(mem.readUInt32BE(0xa028), 100000);
    const err = await rejection(map.setValue('AcquisitionFrameRate', 2000));
    assert.equal(err.message, 'AcquisitionFrameRate: 2000 is out of range; allowed 0.1…1000 Hz');
  });

  it('refuses writes while TLParamsLocked is 1, naming the lock', async () => {
    const { map } = testcam();
    await map.setValue('TLParamsLocked', 1);
    const err = await rejection(map.setValue('Width', 1024));
    assert.equal(err.code, 'FEATURE_LOCKED');
    assert.equal(err.message, 'Width: locked by TLParamsLocked; allowed again when TLParamsLocked is 0');
    assert.equal(await map.access('Width'), 'RO');
    assert.equal(await map.getValue('Width'), 4504);
    await map.setValue('TLParamsLocked', 0);
    await map.setValue('Width', 1024);
  });

  it('explains why a feature is not available', async () => {
    const { map } = testcam();
    assert.equal(await map.isAvailable('TriggerSoftware'), false);
    const err = await rejection(map.execute('TriggerSoftware'));
    assert.equal(err.code, 'FEATURE_NOT_AVAILABLE');
    assert.equal(err.message, 'TriggerSoftware: not available while TriggerSoftwareAvailable (MODE = 1 && SRC = 0) is 0');
    await map.setValue('TriggerMode', 'On');
    assert.equal(await map.isAvailable('TriggerSoftware'), true);
    await map.execute('TriggerSoftware');
  });

  it('rejects unknown features with a suggestion', async () => {
    const { map } = testcam();
    const err = await rejection(map.getValue('Widht'));
    assert.equal(err.code, 'FEATURE_NOT_FOUND');
    assert.equal(err.message, "Unknown feature 'Widht'; did you mean 'Width'?");
  });

  it('refuses reads of write-only and writes of read-only features', async () => {
    const { map } = testcam();
    let err = await rejection(map.setValue('PayloadSize', 5));
    assert.equal(err.code, 'FEATURE_NOT_WRITABLE');
    assert.equal(err.message, 'PayloadSize: is read-only');
    err = await rejection(map.setValue('SensorWidth', 5));
    assert.equal(err.message, 'SensorWidth: is read-only (ImposedAccessMode RO)');
    err = await rejection(map.getValue('AcquisitionStart'));
    assert.equal(err.code, 'WRONG_TYPE');
  });

  it('describes a feature with everything the CLI lists', async () => {
    const { map } = testcam();
    const width = await map.describe('Width');
    assert.deepEqual(
      { ...width },
      {
        name: 'Width',
        type: 'Integer',
        nodeType: 'Integer',
        access: 'RW',
        visibility: 'Beginner',
        displayName: 'Width',
        description: 'Width of the image in pixels.',
        unit: 'px',
        min: 608,
        max: 4504,
        inc: 8,
        value: 4504,
        streamable: true,
      },
    );
    const pixelFormat = await map.describe('PixelFormat');
    assert.deepEqual(
      pixelFormat.entries?.map((e) => [e.name, e.value, e.available]),
      [
        ['Mono8', 0x01080001, true],
        ['Mono12Packed', 0x010c0006, true],
        ['Mono16', 0x01100007, true],
      ],
    );
    assert.equal(pixelFormat.entries?.[1].displayName, 'Mono 12 Packed');
    const trigger = await map.describe('TriggerSelector');
    assert.deepEqual(trigger.selected, ['TriggerMode', 'TriggerSource']);
    assert.deepEqual((await map.describe('TriggerMode')).selectedBy, ['TriggerSelector']);
  });

  it('lists every feature under the category tree, each once, in order', async () => {
    const { map } = testcam();
    const list = await map.list();
    const names = list.map((feature) => feature.name);
    assert.equal(names[0], 'DeviceVendorName');
    assert.ok(names.includes('PayloadSize'));
    assert.equal(new Set(names).size, names.length);
    assert.equal(list.find((f) => f.name === 'Width')?.category, 'ImageFormatControl');
    // Chunk features without chunk data are listed as not available, not as failures.
    const chunk = list.find((f) => f.name === 'ChunkTimestamp');
    assert.equal(chunk?.access, 'NA');
    assert.equal(chunk?.value, undefined);
    const beginner = await map.list({ visibility: 'Beginner' });
    assert.ok(!beginner.some((f) => f.name === 'TLParamsLocked' || f.name === 'DeviceTemperature'));
    const tree = map.categoryTree();
    assert.equal(tree?.name, 'Root');
    assert.deepEqual(
      tree?.categories.map((c) => c.name),
      ['DeviceControl', 'ImageFormatControl', 'AcquisitionControl', 'ChunkDataControl', 'EventControl', 'TransportLayerControl'],
    );
  });
});
