/**
 * Feature semantics beyond storing a value: computed read-only features, limits that depend on
 * other settings, commands, and the side effects the manual describes (readout-mode exclusivity,
 * auto-centring, low-latency forcing TriggerOverlap Off, strobe and GPOut driving STROBE_OUT, …).
 */
import { FeatureValue, Status, refuse } from './feature-store';
import { ON } from './features-image';
import { AutoRoiPresetValue, UserSetValue } from './features-io';
import { placement } from './geometry';
import { FRAME_RATE_MIN } from './sensor';
import { UserSetModel, loadUserSet, saveUserSet, slotName } from './user-set-apply';
import type { Acquisition } from './acquisition';
import type { CameraFrame } from './frame-producer';
import type { PtpClock } from './ptp';
import type { ActionScheduler } from './action-scheduler';
import type { StrobeOutput } from './strobe-output';
import type { TriggerInput } from './trigger-input';
import type { EventName } from './features-sync';

/** The parts of the camera model that the feature behaviours drive (the DMK 38GX541 model is one). */
export interface FeatureBehaviourModel extends UserSetModel {
  readonly acquisition: Acquisition<CameraFrame>;
  readonly actionQueueSize: number;
  readonly ptp: PtpClock;
  readonly scheduler: ActionScheduler;
  readonly strobe: StrobeOutput;
  readonly triggerInput: TriggerInput;
  /** Now on the model's time base. */
  baseNow(): bigint;
  fromDeviceTime(ticks: bigint): bigint;
  sendEvent(event: EventName, time: bigint, frameId?: bigint): void;
}

export function installFeatureBehaviours(model: FeatureBehaviourModel): void {
  const { store, settings } = model;
  // Times inside the model are on its time base (see the model's baseNow); host times are converted.
  const now = (): bigint => model.baseNow();
  const on = (name: string): boolean => store.get(name) === ON;
  /** A command runs when its CommandValue (1) is written. */
  const command = (name: string, run: () => void): void =>
    store.behave(name, {
      read: () => 0,
      write: (v) => {
        if (Number(v) === 1) run();
      },
    });

  // 5.1 readout
  store.behave('WidthMax', { read: () => settings.widthMax() });
  store.behave('HeightMax', { read: () => settings.heightMax() });
  store.behave('Width', { limits: () => ({ max: settings.widthMax() }) });
  store.behave('Height', { limits: () => ({ max: settings.heightMax() }) });
  store.behave('PayloadSize', { read: () => settings.payloadSize() });
  store.behave('OffsetX', { read: () => placement(settings.readout()).offsetX });
  store.behave('OffsetY', { read: () => placement(settings.readout()).offsetY });
  store.behave('OffsetAutoCenter', {
    write: (v) => {
      if (Number(v) !== ON) {
        // Switching centring off keeps the region where it is.
        const p = placement(settings.readout());
        store.setInternal('OffsetX', p.offsetX);
        store.setInternal('OffsetY', p.offsetY);
      }
      store.setInternal('OffsetAutoCenter', v);
    },
  });
  const exclusive = (name: string, other: string): void =>
    store.behave(name, {
      changed: (v) => {
        if (Number(v) > 1) store.setInternal(other, 1);
      },
    });
  exclusive('BinningHorizontal', 'DecimationHorizontal');
  exclusive('DecimationHorizontal', 'BinningHorizontal');
  exclusive('BinningVertical', 'DecimationVertical');
  exclusive('DecimationVertical', 'BinningVertical');

  // 5.1.4 frame rate, acquisition
  store.behave('AcquisitionStatus', { read: () => (model.acquisition.active ? 1 : 0) });
  store.behave('AcquisitionFrameRateMin', { read: () => FRAME_RATE_MIN });
  store.behave('AcquisitionFrameRateMax', { read: () => settings.frameRateMax() });
  store.behave('AcquisitionFrameRate', {
    read: () => settings.frameRate(),
    limits: () => ({ min: FRAME_RATE_MIN, max: settings.frameRateMax() }),
  });
  command('AcquisitionStart', () => model.acquisition.start());
  command('AcquisitionStop', () => model.acquisition.stop());
  store.behave('TriggerMode', { changed: () => model.acquisition.modeChanged() });

  // 5.3 auto functions
  store.behave('ExposureAutoUpperLimit', { read: () => settings.exposureUpperLimit() });

  // 5.4 trigger
  command('TriggerSoftware', () => model.acquisition.trigger('Software', now()));
  store.behave('TriggerOverlap', { read: () => (on('IMXLowLatencyTriggerMode') ? 0 : store.stored('TriggerOverlap')) });
  store.behave('IMXLowLatencyTriggerMode', {
    changed: (v) => {
      if (Number(v) === 1) store.setInternal('TriggerOverlap', 0);
    },
  });

  // 5.6–5.7 I/O and strobe
  store.behave('GPIIn', { read: () => (model.triggerInput.high ? 0 : 1) });
  const strobeIdle = (): void => model.strobe.setIdleLevel(on('StrobeEnable') ? !settings.strobeActiveHigh() : on('GPOut'), now());
  store.behave('GPOut', { changed: strobeIdle });
  store.behave('StrobeEnable', { changed: strobeIdle });
  store.behave('StrobePolarity', { changed: strobeIdle });

  // 5.8 lookup table
  store.behave('LUTValue', {
    read: () => model.lut[store.get('LUTIndex')],
    write: (v: FeatureValue) => {
      model.lut[store.get('LUTIndex')] = Number(v);
      settings.lutVersion += 1;
    },
  });

  // 5.9 auto-function ROI: the preset's rectangle reads back while a preset is selected
  const roi = (name: string, field: 'left' | 'top' | 'width' | 'height'): void =>
    store.behave(name, {
      read: () => {
        if (store.get('AutoFunctionsROI_Preset') === AutoRoiPresetValue.CustomRectangle) return store.stored(name);
        const r = settings.readout();
        return settings.autoRect(r.width, r.height, false)[field];
      },
    });
  roi('AutoFunctionsROI_Left', 'left');
  roi('AutoFunctionsROI_Top', 'top');
  roi('AutoFunctionsROIWidth', 'width');
  roi('AutoFunctionsROIHeight', 'height');

  // 5.10 user sets
  command('UserSetLoad', () => loadUserSet(model, slotName(store.get('UserSetSelector'))));
  command('UserSetSave', () => {
    const slot = slotName(store.get('UserSetSelector'));
    if (slot === 'Default') refuse(Status.WRITE_PROTECT, 'the Default user set is read-only; select UserSet1 or UserSet2');
    saveUserSet(model, slot);
  });
  store.behave('UserSetDefault', {
    read: () => UserSetValue[model.userSets.userSetDefault],
    write: (v) => {
      model.userSets.userSetDefault = slotName(Number(v));
    },
  });

  // 5.12–5.13 PTP and action scheduler
  store.behave('PtpEnable', { changed: (v) => model.setPtpEnabled(Number(v) === 1) });
  store.behave('PtpStatus', { read: () => model.ptp.status() });
  command('ActionSchedulerCommit', () => {
    const status = model.scheduler.commit(
      model.fromDeviceTime(store.getBigInt('ActionSchedulerTime')),
      store.get('ActionSchedulerInterval'),
    );
    if (status === Status.NO_REF_TIME)
      refuse(status, 'ActionSchedulerCommit needs a PTP time reference: PtpEnable and wait until PtpStatus is Master or Slave');
    if (status === Status.OVERFLOW)
      refuse(status, `the action queue is full (ActionQueueSize ${model.actionQueueSize}); ActionSchedulerCancel first`);
  });
  command('ActionSchedulerCancel', () => model.scheduler.cancel());

  // 5.14 events
  command('TestEventGenerate', () => model.sendEvent('Test', now()));
}
