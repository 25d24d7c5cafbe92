/**
 * Walks section 5 of the DMK 38GX541-a manual, parameter by parameter, through the client: the
 * name must exist in the XML the camera serves, with the manual's type, range, entries and (where
 * the manual states one) power-up default. The table below is transcribed from the manual, not
 * from the emulator's feature table, so either can catch the other.
 *
 * Types the manual implies: a parameter listed with On/Off (or named entries) and True/False is an
 * Enumeration of the named entries; one listed only with True/False is a Boolean; "Execute" is a
 * Command; ranges in µs/s/dB are Floats (µs), plain counts Integers.
 */
import { strict as assert } from 'node:assert';
import { Client, openClient } from './support/client';

interface ManualParameter {
  section: string;
  name: string;
  type: 'Integer' | 'Float' | 'Enumeration' | 'Boolean' | 'Command' | 'Register';
  min?: number;
  max?: number;
  default?: string | number | boolean;
  /** Enumeration entries; `[name, manual's wording]` when the manual prints a display text. */
  entries?: Array<string | [string, string]>;
}

const S = 1_000_000; // µs per second

const manual: ManualParameter[] = [
  { section: '5.1.1', name: 'PixelFormat', type: 'Enumeration', entries: ['Mono8', 'Mono12Packed', 'Mono16'] },
  { section: '5.1.2', name: 'Width', type: 'Integer', min: 608, max: 4504 },
  { section: '5.1.2', name: 'Height', type: 'Integer', min: 8, max: 4504 },
  { section: '5.1.3', name: 'DecimationHorizontal', type: 'Integer', min: 1, max: 2, default: 1 },
  { section: '5.1.3', name: 'DecimationVertical', type: 'Integer', min: 1, max: 2, default: 1 },
  { section: '5.1.3', name: 'BinningHorizontal', type: 'Integer', min: 1, max: 2, default: 1 },
  { section: '5.1.3', name: 'BinningVertical', type: 'Integer', min: 1, max: 2, default: 1 },
  { section: '5.1.4', name: 'AcquisitionFrameRate', type: 'Float' },
  { section: '5.1.5', name: 'OffsetX', type: 'Integer', min: 0, max: 3896 },
  { section: '5.1.5', name: 'OffsetY', type: 'Integer', min: 0, max: 4496 },
  { section: '5.1.5', name: 'OffsetAutoCenter', type: 'Enumeration', entries: ['On', 'Off'], default: 'On' },
  { section: '5.1.6', name: 'ReverseX', type: 'Boolean' },
  { section: '5.1.6', name: 'ReverseY', type: 'Boolean' },
  { section: '5.2.1', name: 'ExposureTime', type: 'Float', min: 2, max: 30 * S },
  { section: '5.2.2', name: 'Gain', type: 'Float', min: 0, max: 48 },
  { section: '5.2.3', name: 'BlackLevel', type: 'Integer', min: 0, max: 4095, default: 240 },
  { section: '5.3.1', name: 'ExposureAuto', type: 'Enumeration', entries: ['Continuous', 'Off'], default: 'Continuous' },
  { section: '5.3.2', name: 'GainAuto', type: 'Enumeration', entries: ['Continuous', 'Off'], default: 'Continuous' },
  { section: '5.3.3', name: 'ExposureAutoReference', type: 'Integer', min: 0, max: 255, default: 128 },
  { section: '5.3.4', name: 'ExposureAutoHighlightReduction', type: 'Boolean' },
  { section: '5.3.5', name: 'ExposureAutoLowerLimit', type: 'Float', min: 2, max: 30 * S },
  { section: '5.3.5', name: 'ExposureAutoUpperLimit', type: 'Float', min: 2, max: 30 * S },
  { section: '5.3.5', name: 'ExposureAutoUpperLimitAuto', type: 'Enumeration', entries: ['On', 'Off'] },
  { section: '5.3.6', name: 'GainAutoLowerLimit', type: 'Float', min: 0, max: 48 },
  { section: '5.3.6', name: 'GainAutoUpperLimit', type: 'Float', min: 0, max: 48 },
  { section: '5.4.1', name: 'TriggerMode', type: 'Enumeration', entries: ['On', 'Off'] },
  { section: '5.4.2', name: 'TriggerActivation', type: 'Enumeration', entries: ['RisingEdge', 'FallingEdge'] },
  { section: '5.4.3', name: 'TriggerSoftware', type: 'Command' },
  { section: '5.4.4', name: 'AcquisitionBurstFrameCount', type: 'Integer', min: 1, max: 1000, default: 1 },
  { section: '5.4.5', name: 'TriggerSource', type: 'Enumeration', entries: ['Any', 'Line1', 'Software', 'Action0'] },
  { section: '5.4.6', name: 'TriggerOverlap', type: 'Enumeration', entries: ['Off', 'Readout'] },
  { section: '5.4.7', name: 'IMXLowLatencyTriggerMode', type: 'Boolean' },
  { section: '5.5.1', name: 'TriggerDelay', type: 'Float', min: 0, max: 1 * S, default: 0 },
  { section: '5.5.2', name: 'TriggerDebouncer', type: 'Float', min: 0, max: 1 * S, default: 0 },
  { section: '5.5.3', name: 'TriggerMask', type: 'Float', min: 0, max: 1 * S, default: 0 },
  { section: '5.5.4', name: 'TriggerDenoise', type: 'Float', min: 0, max: 1 * S, default: 0 },
  { section: '5.6.1', name: 'GPIIn', type: 'Boolean' },
  { section: '5.6.2', name: 'GPOut', type: 'Boolean' },
  { section: '5.7.1', name: 'StrobeEnable', type: 'Enumeration', entries: ['On', 'Off'] },
  { section: '5.7.2', name: 'StrobePolarity', type: 'Enumeration', entries: ['ActiveHigh', 'ActiveLow'] },
  { section: '5.7.3', name: 'StrobeOperation', type: 'Enumeration', entries: ['Exposure', 'FixedDuration'] },
  { section: '5.7.4', name: 'StrobeDuration', type: 'Integer', min: 0, max: 32767 },
  { section: '5.7.5', name: 'StrobeDelay', type: 'Integer', min: 0, max: 32767 },
  { section: '5.8.1', name: 'Gamma', type: 'Float', min: 0.01, max: 5.0, default: 1.0 },
  { section: '5.8.2', name: 'LUTEnable', type: 'Boolean' },
  { section: '5.8.2', name: 'LUTIndex', type: 'Integer', min: 0, max: 256 },
  { section: '5.8.2', name: 'LUTValue', type: 'Integer', min: 0, max: 65535 },
  { section: '5.8.2', name: 'LUTValueAll', type: 'Register' },
  { section: '5.9.1', name: 'AutoFunctionsROIEnable', type: 'Boolean' },
  {
    section: '5.9.2',
    name: 'AutoFunctionsROI_Preset',
    type: 'Enumeration',
    entries: [
      ['FullSensor', 'Full Sensor'],
      ['Center50Percent', 'Center 50%'],
      ['Center25Percent', 'Center 25%'],
      ['BottomHalf', 'Bottom Half'],
      ['TopHalf', 'Top Half'],
      ['CustomRectangle', 'Custom Rectangle'],
    ],
  },
  { section: '5.9.3', name: 'AutoFunctionsROI_Left', type: 'Integer', min: 0, max: 4488 },
  { section: '5.9.3', name: 'AutoFunctionsROI_Top', type: 'Integer', min: 0, max: 4488 },
  { section: '5.9.3', name: 'AutoFunctionsROIWidth', type: 'Integer', min: 16, max: 4504 },
  { section: '5.9.3', name: 'AutoFunctionsROIHeight', type: 'Integer', min: 16, max: 4504 },
  { section: '5.10.1', name: 'UserSetSelector', type: 'Enumeration', entries: ['UserSet1', 'UserSet2', 'Default'] },
  { section: '5.10.2', name: 'UserSetLoad', type: 'Command' },
  { section: '5.10.3', name: 'UserSetSave', type: 'Command' },
  { section: '5.10.4', name: 'UserSetDefault', type: 'Enumeration', entries: ['UserSet1', 'UserSet2', 'Default'], default: 'Default' },
  { section: '5.11.1', name: 'MultiFrameSetOutputModeEnable', type: 'Boolean' },
  { section: '5.11.2', name: 'MultiFrameSetOutputModeFrameCount', type: 'Integer', min: 2, max: 4 },
  ...[0, 1, 2, 3].map((i): ManualParameter => ({
    section: '5.11.3',
    name: `MultiFrameSetOutputModeExposureTime${i}`,
    type: 'Float',
    min: 20,
    max: 30000000,
  })),
  { section: '5.11.4', name: 'MultiFrameSetOutputModeCustomGain', type: 'Boolean' },
  ...[0, 1, 2, 3].map((i): ManualParameter => ({
    section: '5.11.5',
    name: `MultiFrameSetOutputModeGain${i}`,
    type: 'Float',
    min: 0,
    max: 48,
  })),
  { section: '5.12.1', name: 'PtpEnable', type: 'Boolean', default: true },
  { section: '5.12.2', name: 'PtpStatus', type: 'Enumeration', entries: ['Master', 'Slave', 'Uncalibrated', 'Disabled'] },
  { section: '5.13.1', name: 'ActionSelector', type: 'Integer', min: 0, max: 0, default: 0 },
  { section: '5.13.2', name: 'ActionSchedulerTime', type: 'Integer' },
  { section: '5.13.3', name: 'ActionSchedulerInterval', type: 'Integer', min: 0, max: 4294967295 },
  { section: '5.13.4', name: 'ActionSchedulerCommit', type: 'Command' },
  { section: '5.13.4', name: 'ActionQueueSize', type: 'Integer' },
  { section: '5.13.5', name: 'ActionSchedulerCancel', type: 'Command' },
  {
    section: '5.14.1',
    name: 'EventSelector',
    type: 'Enumeration',
    entries: ['ExposureEnd', 'FrameTriggerMissed', 'Line1FallingEdge', 'Line1RisingEdge', 'Test'],
  },
  { section: '5.14.2', name: 'EventNotification', type: 'Enumeration', entries: ['On', 'Off'] },
  { section: '5.14.3', name: 'EventExposureEnd', type: 'Integer' },
  { section: '5.14.3', name: 'EventExposureEndTimestamp', type: 'Integer' },
  { section: '5.14.3', name: 'EventExposureEndFrameID', type: 'Integer' },
  { section: '5.14.4', name: 'EventFrameTriggerMissed', type: 'Integer' },
  { section: '5.14.4', name: 'EventFrameTriggerMissedTimestamp', type: 'Integer' },
  { section: '5.14.5', name: 'EventLine1FallingEdge', type: 'Integer' },
  { section: '5.14.5', name: 'EventLine1FallingEdgeTimestamp', type: 'Integer' },
  { section: '5.14.6', name: 'EventLine1RisingEdge', type: 'Integer' },
  { section: '5.14.6', name: 'EventLine1RisingEdgeTimestamp', type: 'Integer' },
  { section: '5.14.7', name: 'EventTest', type: 'Integer' },
  { section: '5.14.7', name: 'EventTestTimestamp', type: 'Integer' },
  { section: '5.14.7', name: 'TestEventGenerate', type: 'Command' },
  { section: '5.15.1', name: 'ChunkModeActive', type: 'Boolean' },
  { section: '5.15.2', name: 'ChunkSelector', type: 'Enumeration', entries: ['ExposureTime', 'Gain'] },
  { section: '5.15.3', name: 'ChunkEnable', type: 'Boolean' },
  { section: '5.15.4', name: 'ChunkExposureTime', type: 'Float', min: 2, max: 30 * S },
  { section: '5.15.5', name: 'ChunkGain', type: 'Float', min: 0, max: 48 },
];

describe('emulator: walking manual section 5 through the client', function () {
  this.timeout(20000);
  let client: Client;

  before(async () => {
    client = await openClient();
  });
  after(async () => {
    await client?.close();
  });

  for (const p of manual) {
    it(`${p.section} ${p.name}: ${p.type}${p.min !== undefined ? ` ${p.min} … ${p.max}` : ''}${p.entries ? ` {${p.entries.map((e) => (Array.isArray(e) ? e[0] : e)).join(', ')}}` : ''}${p.default !== undefined ? `, default ${p.default}` : ''}`, async () => {
      const d = await client.map.describe(p.name, { value: p.default !== undefined });
      assert.equal(d.type, p.type, `${p.name} type`);
      if (p.min !== undefined) assert.equal(Number(d.min), p.min, `${p.name} minimum`);
      if (p.max !== undefined) assert.equal(Number(d.max), p.max, `${p.name} maximum`);
      if (p.entries) {
        const names = (d.entries ?? []).map((e) => e.name).sort();
        assert.deepEqual(names, p.entries.map((e) => (Array.isArray(e) ? e[0] : e)).sort(), `${p.name} entries`);
        for (const e of p.entries) {
          if (Array.isArray(e)) assert.equal(d.entries?.find((x) => x.name === e[0])?.displayName, e[1], `${p.name} ${e[0]} display name`);
        }
      }
      if (p.default !== undefined) assert.deepEqual(d.value, p.default, `${p.name} power-up value`);
    });
  }

  it("5.1.4 AcquisitionFrameRate: the maximum follows the manual's tables (at 1500-byte packets)", async () => {
    const rows: Array<[string, number, number, number]> = [
      ['Mono8', 4504, 4504, 5],
      ['Mono8', 1920, 1080, 30],
      ['Mono8', 640, 480, 62],
      ['Mono12Packed', 4504, 4504, 3],
      ['Mono12Packed', 1920, 1080, 30],
      ['Mono12Packed', 640, 480, 62],
      ['Mono16', 4504, 4504, 2],
      ['Mono16', 1920, 1080, 28],
      ['Mono16', 640, 480, 62],
    ];
    assert.equal(await client.get('GevSCPSPacketSize'), 1500);
    for (const [format, width, height, fps] of rows) {
      await client.set('PixelFormat', format);
      await client.set('Width', width);
      await client.set('Height', height);
      const d = await client.map.describe('AcquisitionFrameRate');
      assert.equal(Math.floor(Number(d.max)), fps, `${format} ${width}×${height}`);
    }
  });

  it('5.2 ExposureTime and Gain are auto by default: locked while their auto function runs', async () => {
    assert.equal(await client.map.isWritable('ExposureTime'), false);
    assert.equal(await client.map.isWritable('Gain'), false);
    await client.set('ExposureAuto', 'Off');
    assert.equal(await client.map.isWritable('ExposureTime'), true);
  });
});
