/**
 * Features of manual sections 5.1–5.3 (readout, sensor, auto exposure/gain) plus device identity,
 * as the DMK 38GX541-a technical reference prints them: names, ranges, defaults, entries.
 */
import { CategoryDef, FeatureDef } from './feature-types';
import { SENSOR_HEIGHT, SENSOR_WIDTH } from './sensor';

export const PixelFormatCode = { Mono8: 0x01080001, Mono12Packed: 0x010c0006, Mono16: 0x01100007 } as const;
export const OFF = 0;
export const ON = 1;

const MANUFACTURER_INFO = 'Emulated camera (node-red-contrib-gige-vision)';

export const imageCategories: CategoryDef[] = [
  { name: 'DeviceControl', displayName: 'Device Control', description: 'Identity of the camera.', registerBase: 0xa000 },
  { name: 'ImageFormatControl', displayName: 'Image Format Control', description: 'Manual 5.1: pixel format, resolution, readout modes, offsets, flipping.', registerBase: 0xa100 },
  { name: 'AcquisitionControl', displayName: 'Acquisition Control', description: 'Manual 5.1.4 and 5.4: acquisition, frame rate, trigger.', registerBase: 0xa200 },
  { name: 'AnalogControl', displayName: 'Analog Control', description: 'Manual 5.2: exposure, gain, black level.', registerBase: 0xa300 },
  { name: 'AutoFunctionControl', displayName: 'Auto Functions', description: 'Manual 5.3: automatic exposure and gain.', registerBase: 0xa400 },
];

const onOff = [{ name: 'Off', value: OFF }, { name: 'On', value: ON }];

function bootstrapString(name: string, address: number, length: number, description: string, access: 'RO' | 'RW' = 'RO'): FeatureDef {
  return { name, kind: 'string', category: 'DeviceControl', description, access, standard: true, storage: { kind: 'bootstrap', address, length } };
}

export const imageFeatures: FeatureDef[] = [
  bootstrapString('DeviceVendorName', 0x0048, 32, 'Name of the manufacturer.'),
  bootstrapString('DeviceModelName', 0x0068, 32, 'Model of the camera.'),
  bootstrapString('DeviceVersion', 0x0088, 32, 'Version of the camera (firmware).'),
  bootstrapString('DeviceManufacturerInfo', 0x00a8, 48, 'Additional manufacturer information.'),
  bootstrapString('DeviceSerialNumber', 0x00d8, 16, 'Serial number of the camera.'),
  { ...bootstrapString('DeviceID', 0x00d8, 16, 'Serial number of the camera (older SFNC name).'), visibility: 'Expert' },
  bootstrapString('DeviceUserID', 0x00e8, 16, 'User-programmable name of the camera.', 'RW'),
  {
    name: 'DeviceLinkSpeed', kind: 'integer', category: 'DeviceControl', standard: true, access: 'RO', visibility: 'Expert',
    description: 'Bandwidth of the link in bytes per second (1000BASE-T); the frame-rate model divides by it.',
    storage: { kind: 'model', length: 4 }, unit: 'Bps', min: 0, max: 125000000, default: 125000000,
  },

  // 5.1.1 Pixel format
  {
    name: 'PixelFormat', kind: 'enumeration', category: 'ImageFormatControl', standard: true, access: 'RW', streamable: true,
    description: 'Format of the pixels sent to the host (manual 5.1.1). 12-bit sensor data; Mono16 carries it in the most significant bits.',
    storage: { kind: 'model', length: 4 }, locked: [{ tlParams: true }], default: 'Mono8',
    entries: [
      { name: 'Mono8', value: PixelFormatCode.Mono8, displayName: '8-Bit Monochrome' },
      { name: 'Mono12Packed', value: PixelFormatCode.Mono12Packed, displayName: '12-Bit Packed Monochrome' },
      { name: 'Mono16', value: PixelFormatCode.Mono16, displayName: '16-Bit Monochrome' },
    ],
  },
  // 5.1.2 Resolution
  { name: 'SensorWidth', kind: 'integer', category: 'ImageFormatControl', standard: true, access: 'RO', visibility: 'Expert', description: 'Effective width of the sensor in pixels.', storage: { kind: 'constant', value: SENSOR_WIDTH } },
  { name: 'SensorHeight', kind: 'integer', category: 'ImageFormatControl', standard: true, access: 'RO', visibility: 'Expert', description: 'Effective height of the sensor in pixels.', storage: { kind: 'constant', value: SENSOR_HEIGHT } },
  {
    name: 'WidthMax', kind: 'integer', category: 'ImageFormatControl', standard: true, access: 'RO', visibility: 'Expert',
    description: 'Largest Width in the current readout mode (4504, or 2252 with 2X skipping or binning).',
    storage: { kind: 'model', length: 4 }, min: 0, max: SENSOR_WIDTH, invalidatedBy: ['BinningHorizontal', 'DecimationHorizontal'],
  },
  {
    name: 'HeightMax', kind: 'integer', category: 'ImageFormatControl', standard: true, access: 'RO', visibility: 'Expert',
    description: 'Largest Height in the current readout mode (4504, or 2252 with 2X skipping or binning).',
    storage: { kind: 'model', length: 4 }, min: 0, max: SENSOR_HEIGHT, invalidatedBy: ['BinningVertical', 'DecimationVertical'],
  },
  {
    name: 'Width', kind: 'integer', category: 'ImageFormatControl', standard: true, access: 'RW', streamable: true,
    description: 'Horizontal resolution (manual 5.1.2: 608 … 4504).', storage: { kind: 'model', length: 4 },
    min: 608, pMax: 'WidthMax', max: SENSOR_WIDTH, inc: 4, unit: 'px', default: SENSOR_WIDTH, locked: [{ tlParams: true }],
    invalidatedBy: ['BinningHorizontal', 'DecimationHorizontal'], // lowered to the new WidthMax
  },
  {
    name: 'Height', kind: 'integer', category: 'ImageFormatControl', standard: true, access: 'RW', streamable: true,
    description: 'Vertical resolution (manual 5.1.2: 8 … 4504).', storage: { kind: 'model', length: 4 },
    min: 8, pMax: 'HeightMax', max: SENSOR_HEIGHT, inc: 4, unit: 'px', default: SENSOR_HEIGHT, locked: [{ tlParams: true }],
    invalidatedBy: ['BinningVertical', 'DecimationVertical'], // lowered to the new HeightMax
  },
  // 5.1.3 Readout modes
  {
    name: 'DecimationHorizontal', kind: 'integer', category: 'ImageFormatControl', standard: true, access: 'RW', streamable: true,
    description: 'Horizontal skipping (manual 5.1.3 "Skipping 2X"): 1 = off, 2 = every other column. Resets BinningHorizontal to 1.',
    storage: { kind: 'model', length: 4 }, min: 1, max: 2, inc: 1, default: 1, locked: [{ tlParams: true }], invalidatedBy: ['BinningHorizontal'],
  },
  {
    name: 'DecimationVertical', kind: 'integer', category: 'ImageFormatControl', standard: true, access: 'RW', streamable: true,
    description: 'Vertical skipping (manual 5.1.3 "Skipping 2X"): the sensor skips every other row, halving the readout time. Resets BinningVertical to 1.',
    storage: { kind: 'model', length: 4 }, min: 1, max: 2, inc: 1, default: 1, locked: [{ tlParams: true }], invalidatedBy: ['BinningVertical'],
  },
  {
    name: 'BinningHorizontal', kind: 'integer', category: 'ImageFormatControl', standard: true, access: 'RW', streamable: true,
    description: 'Horizontal binning (manual 5.1.3 "Binning 2X"): 2 neighbouring columns are averaged. Resets DecimationHorizontal to 1.',
    storage: { kind: 'model', length: 4 }, min: 1, max: 2, inc: 1, default: 1, locked: [{ tlParams: true }], invalidatedBy: ['DecimationHorizontal'],
  },
  {
    name: 'BinningVertical', kind: 'integer', category: 'ImageFormatControl', standard: true, access: 'RW', streamable: true,
    description: 'Vertical binning (manual 5.1.3 "Binning 2X"): 2 neighbouring rows are averaged; both rows are read out. Resets DecimationVertical to 1.',
    storage: { kind: 'model', length: 4 }, min: 1, max: 2, inc: 1, default: 1, locked: [{ tlParams: true }], invalidatedBy: ['DecimationVertical'],
  },
  // 5.1.5 Partial scan offset
  {
    name: 'OffsetX', kind: 'integer', category: 'ImageFormatControl', standard: true, access: 'RW', streamable: true,
    description: 'Left edge of the region read out (manual 5.1.5: 0 … 3896). Values too large for Width are clamped to the largest valid offset.',
    storage: { kind: 'model', length: 4 }, min: 0, max: 3896, inc: 4, unit: 'px', default: 0,
    locked: [{ feature: 'OffsetAutoCenter', equals: ON }],
    // Reads back the offset in use (centred or clamped), not always what was written.
    cachable: 'WriteAround', invalidatedBy: ['Width', 'OffsetAutoCenter', 'BinningHorizontal', 'DecimationHorizontal'],
  },
  {
    name: 'OffsetY', kind: 'integer', category: 'ImageFormatControl', standard: true, access: 'RW', streamable: true,
    description: 'Top edge of the region read out (manual 5.1.5: 0 … 4496). Values too large for Height are clamped to the largest valid offset.',
    storage: { kind: 'model', length: 4 }, min: 0, max: 4496, inc: 4, unit: 'px', default: 0,
    locked: [{ feature: 'OffsetAutoCenter', equals: ON }],
    cachable: 'WriteAround', invalidatedBy: ['Height', 'OffsetAutoCenter', 'BinningVertical', 'DecimationVertical'],
  },
  {
    name: 'OffsetAutoCenter', kind: 'enumeration', category: 'ImageFormatControl', access: 'RW', streamable: true,
    description: 'On: the offsets centre the region on the sensor (manual 5.1.5, the default). Off: OffsetX/OffsetY are set by hand.',
    storage: { kind: 'model', length: 4 }, entries: onOff, default: 'On',
  },
  // 5.1.6 Flipping
  {
    name: 'ReverseX', kind: 'boolean', category: 'ImageFormatControl', standard: true, access: 'RW', streamable: true,
    description: 'Flip the image horizontally (manual 5.1.6).', storage: { kind: 'model', length: 4 }, default: false,
  },
  {
    name: 'ReverseY', kind: 'boolean', category: 'ImageFormatControl', standard: true, access: 'RW', streamable: true,
    description: 'Flip the image vertically (manual 5.1.6).', storage: { kind: 'model', length: 4 }, default: false,
  },
  {
    name: 'PayloadSize', kind: 'integer', category: 'ImageFormatControl', standard: true, access: 'RO',
    description: 'Bytes of one block on the stream channel: the image, plus chunk data and tags when ChunkModeActive.',
    storage: { kind: 'model', length: 4 }, min: 0, max: 0x7fffffff, unit: 'B',
    invalidatedBy: ['Width', 'Height', 'PixelFormat', 'ChunkModeActive', 'ChunkEnable'],
  },

  // 5.1.4 Frame rate and acquisition
  {
    name: 'AcquisitionMode', kind: 'enumeration', category: 'AcquisitionControl', standard: true, access: 'RW', streamable: true,
    description: 'Continuous: frames until AcquisitionStop. SingleFrame: one frame. MultiFrame: AcquisitionFrameCount frames.',
    storage: { kind: 'model', length: 4 }, locked: [{ tlParams: true }], default: 'Continuous',
    entries: [{ name: 'Continuous', value: 0 }, { name: 'SingleFrame', value: 1 }, { name: 'MultiFrame', value: 2 }],
  },
  {
    name: 'AcquisitionFrameCount', kind: 'integer', category: 'AcquisitionControl', standard: true, access: 'RW', streamable: true,
    description: 'Frames per AcquisitionStart in MultiFrame mode.', storage: { kind: 'model', length: 4 },
    min: 1, max: 65535, inc: 1, default: 1, locked: [{ tlParams: true }],
  },
  {
    name: 'AcquisitionStart', kind: 'command', category: 'AcquisitionControl', standard: true, access: 'WO',
    description: 'Start acquisition (frames go to the stream channel when it is open).', storage: { kind: 'model', length: 4 },
  },
  {
    name: 'AcquisitionStop', kind: 'command', category: 'AcquisitionControl', standard: true, access: 'WO',
    description: 'Stop acquisition after the frame being read out.', storage: { kind: 'model', length: 4 },
  },
  {
    name: 'AcquisitionStatus', kind: 'boolean', category: 'AcquisitionControl', standard: true, access: 'RO',
    description: 'True between AcquisitionStart and the end of acquisition; settings that change the payload are locked meanwhile.',
    storage: { kind: 'model', length: 4 }, cachable: 'NoCache', // a SingleFrame/MultiFrame acquisition ends by itself
  },
  {
    name: 'AcquisitionFrameRateMin', kind: 'float', category: 'AcquisitionControl', access: 'RO', visibility: 'Invisible',
    description: 'Smallest AcquisitionFrameRate.', storage: { kind: 'model', length: 8 }, min: 0, max: 1000, unit: 'Hz',
  },
  {
    name: 'AcquisitionFrameRateMax', kind: 'float', category: 'AcquisitionControl', access: 'RO', visibility: 'Expert',
    description: 'Largest AcquisitionFrameRate for the current pixel format, size, readout mode and packet size (readout-time and link-bandwidth model).',
    storage: { kind: 'model', length: 8 }, min: 0, max: 1000, unit: 'Hz',
    invalidatedBy: [
      'Width', 'Height', 'PixelFormat', 'BinningVertical', 'DecimationVertical', 'ChunkModeActive', 'ChunkEnable',
      // the link limit: packet size and delay of the open stream channel
      'GevSCPHostPort', 'GevSCPSPacketSize', 'GevSCPD', 'GevGVSPExtendedIDMode',
    ],
  },
  {
    name: 'AcquisitionFrameRate', kind: 'float', category: 'AcquisitionControl', standard: true, access: 'RW', streamable: true,
    description: 'Frames per second (manual 5.1.4). The maximum depends on pixel format, resolution and readout mode; a value above the new maximum is lowered when those change.',
    storage: { kind: 'model', length: 8 }, pMin: 'AcquisitionFrameRateMin', pMax: 'AcquisitionFrameRateMax', min: 0.01, max: 1000, unit: 'Hz', default: 5,
    invalidatedBy: ['AcquisitionFrameRateMax'], // lowered to a new maximum
  },

  // 5.2 Sensor
  {
    name: 'ExposureTime', kind: 'float', category: 'AnalogControl', standard: true, access: 'RW', streamable: true,
    description: 'Exposure time (manual 5.2.1: 2 µs … 30 s). Set by the camera while ExposureAuto is Continuous.',
    storage: { kind: 'model', length: 8 }, min: 2, max: 30000000, unit: 'us', default: 10000, representation: 'Logarithmic',
    locked: [{ feature: 'ExposureAuto', equals: ON }], cachable: 'NoCache', // auto exposure sets it
  },
  {
    name: 'Gain', kind: 'float', category: 'AnalogControl', standard: true, access: 'RW', streamable: true,
    description: 'Sensor gain (manual 5.2.2: 0 … 48 dB). Set by the camera while GainAuto is Continuous.',
    storage: { kind: 'model', length: 8 }, min: 0, max: 48, unit: 'dB', default: 0, locked: [{ feature: 'GainAuto', equals: ON }],
    cachable: 'NoCache', // auto gain sets it
  },
  {
    name: 'BlackLevel', kind: 'integer', category: 'AnalogControl', standard: true, access: 'RW', streamable: true,
    description: 'Offset added to every pixel, in 12-bit sensor units (manual 5.2.3: 0 … 4095, default 240).',
    storage: { kind: 'model', length: 4 }, min: 0, max: 4095, inc: 1, default: 240,
  },

  // 5.3 Auto exposure and gain
  {
    name: 'ExposureAuto', kind: 'enumeration', category: 'AutoFunctionControl', standard: true, access: 'RW', streamable: true,
    description: 'Continuous: the camera adjusts ExposureTime so the image brightness matches ExposureAutoReference (manual 5.3.1).',
    storage: { kind: 'model', length: 4 }, default: 'Continuous', entries: [{ name: 'Off', value: OFF }, { name: 'Continuous', value: ON }],
  },
  {
    name: 'GainAuto', kind: 'enumeration', category: 'AutoFunctionControl', standard: true, access: 'RW', streamable: true,
    description: 'Continuous: the camera adjusts Gain (manual 5.3.2). With both autos on, gain is kept as low as the limits allow.',
    storage: { kind: 'model', length: 4 }, default: 'Continuous', entries: [{ name: 'Off', value: OFF }, { name: 'Continuous', value: ON }],
  },
  {
    name: 'ExposureAutoReference', kind: 'integer', category: 'AutoFunctionControl', access: 'RW', streamable: true,
    description: 'Target mean brightness, 8-bit scale, for auto exposure and auto gain (manual 5.3.3).',
    storage: { kind: 'model', length: 4 }, min: 0, max: 255, inc: 1, default: 128,
  },
  {
    name: 'ExposureAutoHighlightReduction', kind: 'boolean', category: 'AutoFunctionControl', access: 'RW', streamable: true,
    description: 'Let the auto functions darken the image so that at most 1 % of the measured pixels are overexposed (manual 5.3.4).',
    storage: { kind: 'model', length: 4 }, default: false,
  },
  {
    name: 'ExposureAutoLowerLimit', kind: 'float', category: 'AutoFunctionControl', access: 'RW', streamable: true,
    description: 'Smallest exposure time auto exposure may set (manual 5.3.5).', storage: { kind: 'model', length: 8 },
    min: 2, max: 30000000, unit: 'us', default: 2, representation: 'Logarithmic',
  },
  {
    name: 'ExposureAutoUpperLimit', kind: 'float', category: 'AutoFunctionControl', access: 'RW', streamable: true,
    description: 'Largest exposure time auto exposure may set (manual 5.3.5). Follows the frame period while ExposureAutoUpperLimitAuto is On.',
    storage: { kind: 'model', length: 8 }, min: 2, max: 30000000, unit: 'us', default: 200000, representation: 'Logarithmic',
    locked: [{ feature: 'ExposureAutoUpperLimitAuto', equals: ON }], invalidatedBy: ['ExposureAutoUpperLimitAuto', 'AcquisitionFrameRate'],
  },
  {
    name: 'ExposureAutoUpperLimitAuto', kind: 'enumeration', category: 'AutoFunctionControl', access: 'RW', streamable: true,
    description: 'On: ExposureAutoUpperLimit is kept at the frame period, the longest exposure the frame rate allows (manual 5.3.5).',
    storage: { kind: 'model', length: 4 }, entries: onOff, default: 'On',
  },
  {
    name: 'GainAutoLowerLimit', kind: 'float', category: 'AutoFunctionControl', access: 'RW', streamable: true,
    description: 'Smallest gain auto gain may set (manual 5.3.6).', storage: { kind: 'model', length: 8 }, min: 0, max: 48, unit: 'dB', default: 0,
  },
  {
    name: 'GainAutoUpperLimit', kind: 'float', category: 'AutoFunctionControl', access: 'RW', streamable: true,
    description: 'Largest gain auto gain may set (manual 5.3.6).', storage: { kind: 'model', length: 8 }, min: 0, max: 48, unit: 'dB', default: 48,
  },
];

export const identityDefaults = { manufacturerInfo: MANUFACTURER_INFO };
