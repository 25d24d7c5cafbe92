/**
 * Derived settings: what the feature values mean for the sensor, the acquisition engine, the
 * trigger input, the strobe and the auto functions. Everything here reads the feature store; the
 * camera's state machines call it when they need a decision.
 */
import { FeatureStore, Status, refuse } from './feature-store';
import { feature } from './features';
import { ON } from './features-image';
import { AutoRoiPresetValue, TriggerSourceValue } from './features-io';
import { ChunkSelectorValue } from './features-sync';
import { AcquisitionSettings, TriggerSource } from './acquisition';
import { CameraFrame } from './frame-producer';
import { ReadoutSettings, heightMax, placement, widthMax } from './geometry';
import { frameRateLimits, imageBytes, readoutTimeNs, FrameRateLimits } from './frame-rate';
import { chunkBytes, ChunkSelection } from './chunk-data';
import { transferTable } from './transfer';
import { AutoLimits, Measurement, Rect, nextExposureGain } from './auto-exposure';
import { LineFilter } from './trigger-input';
import { StrobePulse } from './strobe-output';
import { DEFAULT_PACKET_SIZE, EXPOSURE_MAX_US, EXPOSURE_MIN_US, FRAME_RATE_MIN } from './sensor';
import type { StreamChannelConfig } from '../device-model';

const MIN_AUTO_ROI = 16;

export class CameraSettings {
  /** Set by the model: the current stream channel (for packet size and delay). */
  streamChannel: () => StreamChannelConfig | null = () => null;
  private transferKey = '';
  private transferCache: Uint16Array | null = null;
  lutVersion = 0;

  constructor(private readonly store: FeatureStore) {}

  private on(name: string): boolean {
    return this.store.get(name) === ON;
  }

  readout(): ReadoutSettings {
    const s = this.store;
    return {
      width: s.stored('Width') as number,
      height: s.stored('Height') as number,
      offsetX: s.stored('OffsetX') as number,
      offsetY: s.stored('OffsetY') as number,
      autoCenter: this.on('OffsetAutoCenter'),
      binningHorizontal: s.get('BinningHorizontal'),
      binningVertical: s.get('BinningVertical'),
      decimationHorizontal: s.get('DecimationHorizontal'),
      decimationVertical: s.get('DecimationVertical'),
      reverseX: this.on('ReverseX'),
      reverseY: this.on('ReverseY'),
    };
  }

  widthMax(): number {
    return widthMax(this.readout());
  }

  heightMax(): number {
    return heightMax(this.readout());
  }

  chunkSelection(): ChunkSelection {
    return {
      active: this.on('ChunkModeActive'),
      exposureTime: this.store.storedSelected('ChunkEnable', ChunkSelectorValue.ExposureTime) === ON,
      gain: this.store.storedSelected('ChunkEnable', ChunkSelectorValue.Gain) === ON,
    };
  }

  payloadSize(): number {
    const r = this.readout();
    return imageBytes(r.width, r.height, this.store.get('PixelFormat')) + chunkBytes(this.chunkSelection());
  }

  frameRateLimits(): FrameRateLimits {
    const r = this.readout();
    const channel = this.streamChannel();
    return frameRateLimits(
      {
        width: r.width,
        height: r.height,
        pixelFormat: this.store.get('PixelFormat'),
        binningVertical: r.binningVertical,
        decimationVertical: r.decimationVertical,
      },
      this.payloadSize(),
      {
        packetSize: channel?.packetSize ?? DEFAULT_PACKET_SIZE,
        packetDelayNs: channel?.packetDelayTicks ?? 0,
        extendedIds: channel?.extendedIds ?? false,
      },
    );
  }

  frameRateMax(): number {
    return this.frameRateLimits().max;
  }

  frameRate(): number {
    return Math.min(this.store.stored('AcquisitionFrameRate') as number, this.frameRateMax());
  }

  exposureUpperLimit(): number {
    if (!this.on('ExposureAutoUpperLimitAuto')) return this.store.stored('ExposureAutoUpperLimit') as number;
    return Math.min(EXPOSURE_MAX_US, Math.max(EXPOSURE_MIN_US, 1e6 / this.frameRate()));
  }

  /** Keeps dependent values valid after a change (what the firmware clamps). */
  normalize(): void {
    const s = this.store;
    const wMax = this.widthMax();
    const hMax = this.heightMax();
    if ((s.stored('Width') as number) > wMax) s.setInternal('Width', wMax);
    if ((s.stored('Height') as number) > hMax) s.setInternal('Height', hMax);
    const rate = s.stored('AcquisitionFrameRate') as number;
    const max = this.frameRateMax();
    if (rate > max) s.setInternal('AcquisitionFrameRate', max);
    if (rate < FRAME_RATE_MIN) s.setInternal('AcquisitionFrameRate', FRAME_RATE_MIN);
  }

  requireUnlocked(name: string): void {
    const reason = this.store.lockReason(feature(name));
    if (reason) refuse(Status.WRITE_PROTECT, `${name} is locked: ${reason}`);
  }

  // ---- acquisition --------------------------------------------------------------------------

  acquisition(): AcquisitionSettings {
    const s = this.store;
    const mode = s.get('AcquisitionMode');
    const source = s.get('TriggerSource');
    const lowLatency = this.on('IMXLowLatencyTriggerMode');
    return {
      frameLimit: mode === 1 ? 1 : mode === 2 ? s.get('AcquisitionFrameCount') : Infinity,
      triggerMode: this.on('TriggerMode'),
      acceptsSource: (src: TriggerSource) => source === TriggerSourceValue.Any || source === TriggerSourceValue[src],
      burstFrameCount: s.get('AcquisitionBurstFrameCount'),
      overlapReadout: !lowLatency && s.get('TriggerOverlap') === 1,
      lowLatency,
      triggerDelayNs: s.get('TriggerDelay') * 1000,
      frameRate: this.frameRate(),
    };
  }

  /** Exposure and gain of frame `index` of the acquisition (multi-frame sets cycle). */
  exposureGain(index: number): { exposureUs: number; gainDb: number } {
    const s = this.store;
    if (!this.on('MultiFrameSetOutputModeEnable')) return { exposureUs: s.get('ExposureTime'), gainDb: s.get('Gain') };
    const member = index % s.get('MultiFrameSetOutputModeFrameCount');
    return {
      exposureUs: s.get(`MultiFrameSetOutputModeExposureTime${member}`),
      gainDb: this.on('MultiFrameSetOutputModeCustomGain') ? s.get(`MultiFrameSetOutputModeGain${member}`) : s.get('Gain'),
    };
  }

  transfer(exposureUs: number, gainDb: number, lut: Uint16Array): Uint16Array {
    const s = this.store;
    const lutEnabled = this.on('LUTEnable');
    const key = `${exposureUs}|${gainDb}|${s.get('BlackLevel')}|${s.get('Gamma')}|${lutEnabled}|${lutEnabled ? this.lutVersion : -1}`;
    if (key !== this.transferKey || !this.transferCache) {
      this.transferCache = transferTable({ exposureUs, gainDb, blackLevel: s.get('BlackLevel'), gamma: s.get('Gamma'), lutEnabled, lut });
      this.transferKey = key;
    }
    return this.transferCache;
  }

  frame(index: number, start: bigint, lut: Uint16Array): CameraFrame {
    const r = this.readout();
    const pixelFormat = this.store.get('PixelFormat');
    const { exposureUs, gainDb } = this.exposureGain(index);
    return {
      index,
      start,
      exposureEnd: start,
      readoutEnd: start,
      exposureUs,
      gainDb,
      blockId: null,
      width: r.width,
      height: r.height,
      pixelFormat,
      placement: placement(r),
      reverseX: r.reverseX,
      reverseY: r.reverseY,
      transfer: this.transfer(exposureUs, gainDb, lut),
      chunk: this.chunkSelection(),
      imageBytes: imageBytes(r.width, r.height, pixelFormat),
      readoutNs: readoutTimeNs({
        width: r.width,
        height: r.height,
        pixelFormat,
        binningVertical: r.binningVertical,
        decimationVertical: r.decimationVertical,
      }),
      autoRect: this.autoRect(r.width, r.height, true),
      measureForAuto: (this.on('ExposureAuto') || this.on('GainAuto')) && !this.on('MultiFrameSetOutputModeEnable'),
    };
  }

  // ---- auto functions -------------------------------------------------------------------------

  /** The auto-function region in image coordinates (manual 5.9). */
  autoRect(width: number, height: number, honourEnable: boolean): Rect {
    const full = { left: 0, top: 0, width, height };
    if (honourEnable && !this.on('AutoFunctionsROIEnable')) return full;
    const centred = (fraction: number): Rect => {
      const w = Math.max(1, Math.floor(width * fraction));
      const h = Math.max(1, Math.floor(height * fraction));
      return { left: Math.floor((width - w) / 2), top: Math.floor((height - h) / 2), width: w, height: h };
    };
    switch (this.store.get('AutoFunctionsROI_Preset')) {
      case AutoRoiPresetValue.Center50Percent:
        return centred(0.5);
      case AutoRoiPresetValue.Center25Percent:
        return centred(0.25);
      case AutoRoiPresetValue.BottomHalf:
        return { left: 0, top: Math.floor(height / 2), width, height: height - Math.floor(height / 2) };
      case AutoRoiPresetValue.TopHalf:
        return { left: 0, top: 0, width, height: Math.max(1, Math.floor(height / 2)) };
      case AutoRoiPresetValue.CustomRectangle: {
        const s = this.store;
        const left = Math.min(s.stored('AutoFunctionsROI_Left') as number, Math.max(0, width - MIN_AUTO_ROI));
        const top = Math.min(s.stored('AutoFunctionsROI_Top') as number, Math.max(0, height - MIN_AUTO_ROI));
        return {
          left,
          top,
          width: Math.min(s.stored('AutoFunctionsROIWidth') as number, width - left),
          height: Math.min(s.stored('AutoFunctionsROIHeight') as number, height - top),
        };
      }
      default:
        return full;
    }
  }

  autoLimits(): AutoLimits {
    const s = this.store;
    return {
      exposureAuto: this.on('ExposureAuto'),
      gainAuto: this.on('GainAuto'),
      reference: s.get('ExposureAutoReference'),
      highlightReduction: this.on('ExposureAutoHighlightReduction'),
      blackLevel: s.get('BlackLevel'),
      exposureMin: s.get('ExposureAutoLowerLimit'),
      exposureMax: this.exposureUpperLimit(),
      gainMin: s.get('GainAutoLowerLimit'),
      gainMax: s.get('GainAutoUpperLimit'),
    };
  }

  /** After a frame was measured: the exposure and gain for later frames. */
  autoUpdate(frame: CameraFrame, m: Measurement): void {
    const limits = this.autoLimits();
    if (!limits.exposureAuto && !limits.gainAuto) return;
    const s = this.store;
    const next = nextExposureGain(
      { exposureUs: frame.exposureUs, gainDb: frame.gainDb },
      { exposureUs: s.get('ExposureTime'), gainDb: s.get('Gain') },
      m,
      limits,
    );
    if (limits.exposureAuto) s.setInternal('ExposureTime', next.exposureUs);
    if (limits.gainAuto) s.setInternal('Gain', next.gainDb);
  }

  // ---- I/O ------------------------------------------------------------------------------------

  lineFilter(): LineFilter {
    const us = (name: string): bigint => BigInt(Math.round(this.store.get(name) * 1000));
    return {
      activeHigh: this.store.get('TriggerActivation') === 0,
      debounceNs: us('TriggerDebouncer'),
      denoiseNs: us('TriggerDenoise'),
      maskNs: us('TriggerMask'),
    };
  }

  strobeActiveHigh(): boolean {
    return this.store.get('StrobePolarity') === 0;
  }

  /** The strobe pulse of a frame, or null when the strobe is off (manual 5.7). */
  strobePulse(frame: CameraFrame): StrobePulse | null {
    if (!this.on('StrobeEnable')) return null;
    const start = frame.start + BigInt(this.store.get('StrobeDelay')) * 1000n;
    const durationNs =
      this.store.get('StrobeOperation') === 0 ? frame.exposureEnd - frame.start : BigInt(this.store.get('StrobeDuration')) * 1000n;
    return { start, end: start + durationNs, activeHigh: this.strobeActiveHigh() };
  }
}
