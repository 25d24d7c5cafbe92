/**
 * The manual's own name for each section-5 parameter (its "Parameter" row), shown by user
 * interfaces as the feature's DisplayName; the GenICam name stays the manual's "GigE Vision" row.
 */
const labels: Record<string, string> = {
  PixelFormat: 'Pixel Format',
  Width: 'Horizontal Resolution',
  Height: 'Vertical Resolution',
  AcquisitionFrameRate: 'Frame Rate',
  OffsetX: 'Partial Scan Offset X',
  OffsetY: 'Partial Scan Offset Y',
  OffsetAutoCenter: 'Partial Scan Auto Center',
  ReverseX: 'Flip Horizontal',
  ReverseY: 'Flip Vertical',
  ExposureTime: 'Exposure Time',
  Gain: 'Gain',
  BlackLevel: 'Black Level',
  ExposureAuto: 'Auto Exposure',
  GainAuto: 'Auto Gain',
  ExposureAutoReference: 'Auto Reference Value',
  ExposureAutoHighlightReduction: 'Highlight Reduction',
  ExposureAutoLowerLimit: 'Auto Exposure Lower Limit',
  ExposureAutoUpperLimit: 'Auto Exposure Upper Limit',
  ExposureAutoUpperLimitAuto: 'Auto Exposure Upper Limit Auto',
  GainAutoLowerLimit: 'Auto Gain Lower Limit',
  GainAutoUpperLimit: 'Auto Gain Upper Limit',
  TriggerMode: 'Trigger Mode',
  TriggerActivation: 'Trigger Polarity',
  TriggerSoftware: 'Software Trigger',
  AcquisitionBurstFrameCount: 'Trigger Burst Count',
  TriggerSource: 'Trigger Source',
  TriggerOverlap: 'Trigger Overlap',
  IMXLowLatencyTriggerMode: 'IMX Low-Latency Mode',
  TriggerDelay: 'Trigger Delay',
  TriggerDebouncer: 'Trigger Debounce Time',
  TriggerMask: 'Trigger Mask Time',
  TriggerDenoise: 'Trigger Noise Suppression Time',
  GPIIn: 'General Purpose Input',
  GPOut: 'General Purpose Output',
  StrobeEnable: 'Strobe Enable',
  StrobePolarity: 'Strobe Polarity',
  StrobeOperation: 'Strobe Operation',
  StrobeDuration: 'Strobe Duration',
  StrobeDelay: 'Strobe Delay',
  Gamma: 'Gamma',
  LUTEnable: 'LUT Enable',
  LUTIndex: 'LUT Index',
  LUTValue: 'LUT Value',
  LUTValueAll: 'LUT Value All',
  AutoFunctionsROIEnable: 'Auto Functions ROI Enable',
  AutoFunctionsROI_Preset: 'Auto Functions ROI Preset',
  AutoFunctionsROI_Left: 'Auto Functions ROI Left',
  AutoFunctionsROI_Top: 'Auto Functions ROI Top',
  AutoFunctionsROIWidth: 'Auto Functions ROI Width',
  AutoFunctionsROIHeight: 'Auto Functions ROI Height',
  UserSetSelector: 'User Set Selector',
  UserSetLoad: 'Load User Set',
  UserSetSave: 'Save User Set',
  UserSetDefault: 'Default User Set',
  MultiFrameSetOutputModeEnable: 'Multi-Frame Output Mode Enable',
  MultiFrameSetOutputModeFrameCount: 'Multi-Frame Output Mode Frame Count',
  MultiFrameSetOutputModeCustomGain: 'Multi-Frame Output Mode Custom Gain',
  PtpEnable: 'PTP Enable',
  PtpStatus: 'PTP Status',
  ActionSelector: 'Action Selector',
  ActionSchedulerTime: 'Action Scheduler Time',
  ActionSchedulerInterval: 'Action Scheduler Interval',
  ActionSchedulerCommit: 'Action Scheduler Commit',
  ActionSchedulerCancel: 'Action Scheduler Cancel',
  EventSelector: 'Event Selector',
  EventNotification: 'Event Notification',
  TestEventGenerate: 'Test Event Generate',
  EventExposureEndFrameID: 'Event Exposure End Frame ID',
  ChunkModeActive: 'Chunk Mode Active',
  ChunkSelector: 'Chunk Selector',
  ChunkEnable: 'Chunk Enable',
  ChunkExposureTime: 'Chunk Exposure Time',
  ChunkGain: 'Chunk Gain',
};

for (let i = 0; i < 4; i += 1) {
  labels[`MultiFrameSetOutputModeExposureTime${i}`] = `Multi-Frame Output Mode Exposure Time ${i}`;
  labels[`MultiFrameSetOutputModeGain${i}`] = `Multi-Frame Output Mode Gain ${i}`;
}
for (const [name, words] of [
  ['ExposureEnd', 'Exposure End'],
  ['FrameTriggerMissed', 'Frame Trigger Missed'],
  ['Line1FallingEdge', 'Line1 Falling Edge'],
  ['Line1RisingEdge', 'Line1 Rising Edge'],
  ['Test', 'Test'],
]) {
  labels[`Event${name}`] = `Event ${words}`;
  labels[`Event${name}Timestamp`] = `Event ${words} Timestamp`;
}

export function manualDisplayName(name: string): string | undefined {
  return labels[name];
}
