/**
 * Features of manual sections 5.4–5.11: trigger, trigger timing, digital I/O, strobe, gamma and
 * lookup table, auto-function ROI, user sets, multi-frame output.
 */
import { CategoryDef, FeatureDef } from './feature-types';
import { OFF, ON } from './features-image';
import { LUT_ENTRIES } from './transfer';

export const LUT_VALUE_ALL_ADDRESS = 0xc000;

export const ioCategories: CategoryDef[] = [
  { name: 'TriggerControl', displayName: 'Trigger', description: 'Manual 5.4–5.5: trigger mode, sources, overlap, timing filters.', registerBase: 0xa500 },
  { name: 'DigitalIOControl', displayName: 'Digital I/O', description: 'Manual 5.6: TRIGGER_IN status and STROBE_OUT level.', registerBase: 0xa600 },
  { name: 'StrobeControl', displayName: 'Strobe', description: 'Manual 5.7: strobe pulses on STROBE_OUT.', registerBase: 0xa700 },
  { name: 'ImageProcessingControl', displayName: 'Image Processing', description: 'Manual 5.8: gamma and lookup table.', registerBase: 0xa800 },
  { name: 'AutoFunctionsROIControl', displayName: 'Auto Functions ROI', description: 'Manual 5.9: the region the auto functions measure.', registerBase: 0xa900 },
  { name: 'UserSetControl', displayName: 'User Sets', description: 'Manual 5.10: save and load the configuration.', registerBase: 0xaa00 },
  { name: 'MultiFrameSetOutputModeControl', displayName: 'Multi-Frame Output Mode', description: 'Manual 5.11: cycle exposure (and gain) through a frame set.', registerBase: 0xab00 },
];

const onOff = [{ name: 'Off', value: OFF }, { name: 'On', value: ON }];
export const TriggerSourceValue = { Any: 0, Line1: 1, Software: 2, Action0: 3 } as const;
export const AutoRoiPresetValue = { FullSensor: 0, Center50Percent: 1, Center25Percent: 2, BottomHalf: 3, TopHalf: 4, CustomRectangle: 5 } as const;
export const UserSetValue = { Default: 0, UserSet1: 1, UserSet2: 2 } as const;

function triggerTime(name: string, description: string): FeatureDef {
  return {
    name, kind: 'float', category: 'TriggerControl', access: 'RW', streamable: true, standard: name === 'TriggerDelay',
    description, storage: { kind: 'model', length: 8 }, min: 0, max: 1000000, unit: 'us', default: 0,
  };
}

function multiFrameExposure(i: number): FeatureDef {
  return {
    name: `MultiFrameSetOutputModeExposureTime${i}`, kind: 'float', category: 'MultiFrameSetOutputModeControl', access: 'RW', streamable: true,
    description: `Exposure time of frame ${i} of the frame set (manual 5.11.3: 20 µs … 30 s).`,
    storage: { kind: 'model', length: 8 }, min: 20, max: 30000000, unit: 'us', default: 1000 * 4 ** i, representation: 'Logarithmic',
  };
}

function multiFrameGain(i: number): FeatureDef {
  return {
    name: `MultiFrameSetOutputModeGain${i}`, kind: 'float', category: 'MultiFrameSetOutputModeControl', access: 'RW', streamable: true,
    description: `Gain of frame ${i} of the frame set when MultiFrameSetOutputModeCustomGain is on (manual 5.11.5: 0 … 48 dB).`,
    storage: { kind: 'model', length: 8 }, min: 0, max: 48, unit: 'dB', default: 0,
  };
}

export const ioFeatures: FeatureDef[] = [
  // 5.4 Trigger
  {
    name: 'TriggerSelector', kind: 'enumeration', category: 'TriggerControl', standard: true, access: 'RW', visibility: 'Expert',
    description: 'The trigger configured by the trigger features; this camera has the frame start trigger only.',
    storage: { kind: 'model', length: 4 }, entries: [{ name: 'FrameStart', value: 0 }], default: 'FrameStart',
  },
  {
    name: 'TriggerMode', kind: 'enumeration', category: 'TriggerControl', standard: true, access: 'RW', streamable: true,
    description: 'On: each accepted trigger exposes AcquisitionBurstFrameCount frames (manual 5.4.1). Off: free running at AcquisitionFrameRate.',
    storage: { kind: 'model', length: 4 }, entries: onOff, default: 'Off',
  },
  {
    name: 'TriggerActivation', kind: 'enumeration', category: 'TriggerControl', standard: true, access: 'RW', streamable: true,
    description: 'Edge of TRIGGER_IN that triggers (manual 5.4.2 "Trigger Polarity").', storage: { kind: 'model', length: 4 },
    entries: [{ name: 'RisingEdge', value: 0 }, { name: 'FallingEdge', value: 1 }], default: 'RisingEdge',
  },
  {
    name: 'TriggerSoftware', kind: 'command', category: 'TriggerControl', standard: true, access: 'WO',
    description: 'Simulate one trigger pulse (manual 5.4.3); not delayed by TriggerDelay.', storage: { kind: 'model', length: 4 },
  },
  {
    name: 'AcquisitionBurstFrameCount', kind: 'integer', category: 'TriggerControl', standard: true, access: 'RW', streamable: true,
    description: 'Frames taken per trigger, as fast as exposure time and frame rate allow (manual 5.4.4).',
    storage: { kind: 'model', length: 4 }, min: 1, max: 1000, inc: 1, default: 1,
  },
  {
    name: 'TriggerSource', kind: 'enumeration', category: 'TriggerControl', standard: true, access: 'RW', streamable: true,
    description: 'Which triggers are accepted (manual 5.4.5; Action0 from manual 5.13).', storage: { kind: 'model', length: 4 }, default: 'Any',
    entries: [
      { name: 'Any', value: TriggerSourceValue.Any, description: 'Allow trigger signals from any source' },
      { name: 'Line1', value: TriggerSourceValue.Line1, description: 'Allow only hardware trigger' },
      { name: 'Software', value: TriggerSourceValue.Software, description: 'Allow only software trigger' },
      { name: 'Action0', value: TriggerSourceValue.Action0, description: 'Allow only action commands and scheduled actions' },
    ],
  },
  {
    name: 'TriggerOverlap', kind: 'enumeration', category: 'TriggerControl', standard: true, access: 'RW', streamable: true,
    description: 'When a new trigger is accepted (manual 5.4.6). Forced to Off while IMXLowLatencyTriggerMode is on.',
    storage: { kind: 'model', length: 4 }, default: 'Off', locked: [{ feature: 'IMXLowLatencyTriggerMode', equals: 1 }], invalidatedBy: ['IMXLowLatencyTriggerMode'],
    entries: [
      { name: 'Off', value: 0, description: 'The next trigger pulse is only accepted once the previous frame has been read out from the sensor' },
      { name: 'Readout', value: 1, description: 'The next trigger pulse is accepted during readout as long as the remaining readout time is shorter than the exposure time' },
    ],
  },
  {
    name: 'IMXLowLatencyTriggerMode', kind: 'boolean', category: 'TriggerControl', access: 'RW', streamable: true,
    description: 'True: exposure starts exactly TriggerDelay after the trigger. False: the sensor adds up to one line period (manual 5.4.7).',
    storage: { kind: 'model', length: 4 }, default: false,
  },
  // 5.5 Trigger timing
  triggerTime('TriggerDelay', 'Time between an accepted TRIGGER_IN or action trigger and the start of exposure (manual 5.5.1: 0 … 1 s).'),
  triggerTime('TriggerDebouncer', 'TRIGGER_IN must have been inactive this long before an edge is accepted (manual 5.5.2: 0 … 1 s).'),
  triggerTime('TriggerMask', 'Triggers are ignored for this long after a trigger was accepted (manual 5.5.3: 0 … 1 s).'),
  triggerTime('TriggerDenoise', 'TRIGGER_IN must stay active this long to count as a trigger (manual 5.5.4: 0 … 1 s).'),

  // 5.6 Digital I/O
  {
    name: 'GPIIn', kind: 'boolean', category: 'DigitalIOControl', access: 'RO',
    description: 'Status of TRIGGER_IN (manual 5.6.1): True when the line is low, False when it is high.', storage: { kind: 'model', length: 4 },
    cachable: 'NoCache', // the line moves by itself
  },
  {
    name: 'GPOut', kind: 'boolean', category: 'DigitalIOControl', access: 'RW',
    description: 'Level of STROBE_OUT while StrobeEnable is Off (manual 5.6.2): True drives it high.', storage: { kind: 'model', length: 4 }, default: false,
  },
  // 5.7 Strobe
  {
    name: 'StrobeEnable', kind: 'enumeration', category: 'StrobeControl', access: 'RW', streamable: true,
    description: 'Generate strobe pulses on STROBE_OUT synchronised to the exposure (manual 5.7.1).', storage: { kind: 'model', length: 4 }, entries: onOff, default: 'Off',
  },
  {
    name: 'StrobePolarity', kind: 'enumeration', category: 'StrobeControl', access: 'RW', streamable: true,
    description: 'Level of STROBE_OUT during the pulse (manual 5.7.2).', storage: { kind: 'model', length: 4 }, default: 'ActiveHigh',
    entries: [{ name: 'ActiveHigh', value: 0 }, { name: 'ActiveLow', value: 1 }],
  },
  {
    name: 'StrobeOperation', kind: 'enumeration', category: 'StrobeControl', access: 'RW', streamable: true,
    description: 'Pulse length: the exposure time, or StrobeDuration (manual 5.7.3).', storage: { kind: 'model', length: 4 }, default: 'Exposure',
    entries: [{ name: 'Exposure', value: 0 }, { name: 'FixedDuration', value: 1 }],
  },
  {
    name: 'StrobeDuration', kind: 'integer', category: 'StrobeControl', access: 'RW', streamable: true,
    description: 'Pulse length when StrobeOperation is FixedDuration (manual 5.7.4: 0 … 32767 µs).',
    storage: { kind: 'model', length: 4 }, min: 0, max: 32767, inc: 1, unit: 'us', default: 1000,
  },
  {
    name: 'StrobeDelay', kind: 'integer', category: 'StrobeControl', access: 'RW', streamable: true,
    description: 'Delay from the start of exposure to the start of the pulse (manual 5.7.5: 0 … 32767 µs).',
    storage: { kind: 'model', length: 4 }, min: 0, max: 32767, inc: 1, unit: 'us', default: 0,
  },

  // 5.8 Image processing
  {
    name: 'Gamma', kind: 'float', category: 'ImageProcessingControl', standard: true, access: 'RW', streamable: true,
    description: 'Gamma correction out = in^Gamma on the normalised 12-bit signal (manual 5.8.1: 0.01 … 5.0). Ignored while LUTEnable is on.',
    storage: { kind: 'model', length: 8 }, min: 0.01, max: 5, default: 1,
  },
  {
    name: 'LUTEnable', kind: 'boolean', category: 'ImageProcessingControl', standard: true, access: 'RW', streamable: true,
    description: 'Apply the lookup table (manual 5.8.2); disables gamma.', storage: { kind: 'model', length: 4 }, default: false,
  },
  {
    name: 'LUTIndex', kind: 'integer', category: 'ImageProcessingControl', standard: true, access: 'RW',
    description: 'Entry of the 257-entry lookup table that LUTValue reads and writes.', storage: { kind: 'model', length: 4 },
    min: 0, max: LUT_ENTRIES - 1, inc: 1, default: 0, selects: ['LUTValue'],
  },
  {
    name: 'LUTValue', kind: 'integer', category: 'ImageProcessingControl', standard: true, access: 'RW',
    description: 'Value of the entry selected by LUTIndex (0 … 65535). Entry i applies to 12-bit input 16·i.',
    storage: { kind: 'model', length: 4 }, min: 0, max: 65535, inc: 1, selectedBy: 'LUTIndex', invalidatedBy: ['LUTValueAll'],
  },
  {
    name: 'LUTValueAll', kind: 'register', category: 'ImageProcessingControl', access: 'RW', streamable: true,
    description: 'The whole table: 1028 bytes, 257 entries, each a 16-bit value in the low half of a big-endian 32-bit word.',
    storage: { kind: 'memory', address: LUT_VALUE_ALL_ADDRESS, length: LUT_ENTRIES * 4 }, invalidatedBy: ['LUTValue'],
  },

  // 5.9 Auto functions ROI
  {
    name: 'AutoFunctionsROIEnable', kind: 'boolean', category: 'AutoFunctionsROIControl', access: 'RW', streamable: true,
    description: 'True: the auto functions measure only the ROI (manual 5.9.1); False: the whole image.', storage: { kind: 'model', length: 4 }, default: false,
  },
  {
    name: 'AutoFunctionsROI_Preset', kind: 'enumeration', category: 'AutoFunctionsROIControl', access: 'RW', streamable: true,
    description: 'Region the auto functions measure (manual 5.9.2).', storage: { kind: 'model', length: 4 }, default: 'FullSensor',
    entries: [
      { name: 'FullSensor', value: AutoRoiPresetValue.FullSensor, displayName: 'Full Sensor', description: 'Select the full output image' },
      { name: 'Center50Percent', value: AutoRoiPresetValue.Center50Percent, displayName: 'Center 50%', description: 'Select a rectangular area in the center of the output image' },
      { name: 'Center25Percent', value: AutoRoiPresetValue.Center25Percent, displayName: 'Center 25%', description: 'Select a small rectangular area in the center of the output image' },
      { name: 'BottomHalf', value: AutoRoiPresetValue.BottomHalf, displayName: 'Bottom Half', description: 'Select the bottom half of the output image' },
      { name: 'TopHalf', value: AutoRoiPresetValue.TopHalf, displayName: 'Top Half', description: 'Select the top half of the output image' },
      { name: 'CustomRectangle', value: AutoRoiPresetValue.CustomRectangle, displayName: 'Custom Rectangle', description: 'Select a custom rectangle for fine-grained control' },
    ],
  },
  ...(['AutoFunctionsROI_Left', 'AutoFunctionsROI_Top', 'AutoFunctionsROIWidth', 'AutoFunctionsROIHeight'] as const).map((name): FeatureDef => {
    const isSize = name.endsWith('Width') || name.endsWith('Height');
    const horizontal = name.endsWith('Left') || name.endsWith('Width');
    return {
      name, kind: 'integer', category: 'AutoFunctionsROIControl', access: 'RW', streamable: true,
      description: `${isSize ? 'Size' : 'Position'} of the custom rectangle relative to the output image (manual 5.9.3). Reads the preset's rectangle while another preset is selected.`,
      storage: { kind: 'model', length: 4 }, min: isSize ? 16 : 0, max: isSize ? 4504 : 4488, inc: 1, unit: 'px', default: isSize ? 4504 : 0,
      locked: [{ feature: 'AutoFunctionsROI_Preset', notEquals: AutoRoiPresetValue.CustomRectangle }],
      invalidatedBy: ['AutoFunctionsROI_Preset', horizontal ? 'Width' : 'Height'], // a preset's rectangle follows the image size
    };
  }),

  // 5.10 User sets
  {
    name: 'UserSetSelector', kind: 'enumeration', category: 'UserSetControl', standard: true, access: 'RW',
    description: 'Memory slot that UserSetLoad and UserSetSave act on (manual 5.10.1).', storage: { kind: 'model', length: 4 }, default: 'Default',
    selects: ['UserSetLoad', 'UserSetSave'],
    entries: [
      { name: 'Default', value: UserSetValue.Default, description: 'Factory default configuration; cannot be overwritten' },
      { name: 'UserSet1', value: UserSetValue.UserSet1, description: 'First of the two memory slots for user configurations' },
      { name: 'UserSet2', value: UserSetValue.UserSet2, description: 'Second of the two memory slots for user configurations' },
    ],
  },
  {
    name: 'UserSetLoad', kind: 'command', category: 'UserSetControl', standard: true, access: 'WO',
    description: 'Restore the configuration from the selected slot (manual 5.10.2). Refused while acquiring.',
    storage: { kind: 'model', length: 4 }, locked: [{ tlParams: true }],
  },
  {
    name: 'UserSetSave', kind: 'command', category: 'UserSetControl', standard: true, access: 'WO',
    description: 'Save the configuration into the selected slot (manual 5.10.3); the Default slot is read-only.',
    storage: { kind: 'model', length: 4 }, locked: [{ feature: 'UserSetSelector', equals: UserSetValue.Default }],
  },
  {
    name: 'UserSetDefault', kind: 'enumeration', category: 'UserSetControl', standard: true, access: 'RW',
    description: 'Slot loaded at power-up (manual 5.10.4).', storage: { kind: 'model', length: 4 }, default: 'Default',
    entries: [
      { name: 'Default', value: UserSetValue.Default, description: 'Load factory default configuration' },
      { name: 'UserSet1', value: UserSetValue.UserSet1, description: 'Load configuration from the first memory slot' },
      { name: 'UserSet2', value: UserSetValue.UserSet2, description: 'Load configuration from the second memory slot' },
    ],
  },

  // 5.11 Multi-frame output
  {
    name: 'MultiFrameSetOutputModeEnable', kind: 'boolean', category: 'MultiFrameSetOutputModeControl', access: 'RW', streamable: true,
    description: 'Cycle the exposure time (and gain) through the frame set (manual 5.11.1).', storage: { kind: 'model', length: 4 }, default: false,
  },
  {
    name: 'MultiFrameSetOutputModeFrameCount', kind: 'integer', category: 'MultiFrameSetOutputModeControl', access: 'RW', streamable: true,
    description: 'Frames in a set: 2 or 4 (manual 5.11.2 "2 Frames" / "4 Frames").', storage: { kind: 'model', length: 4 },
    min: 2, max: 4, inc: 2, default: 2,
  },
  multiFrameExposure(0), multiFrameExposure(1), multiFrameExposure(2), multiFrameExposure(3),
  {
    name: 'MultiFrameSetOutputModeCustomGain', kind: 'boolean', category: 'MultiFrameSetOutputModeControl', access: 'RW', streamable: true,
    description: 'True: cycle the gain through MultiFrameSetOutputModeGain0–3; False: use Gain (manual 5.11.4).', storage: { kind: 'model', length: 4 }, default: false,
  },
  multiFrameGain(0), multiFrameGain(1), multiFrameGain(2), multiFrameGain(3),
];
