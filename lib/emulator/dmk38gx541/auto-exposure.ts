/**
 * Auto exposure and auto gain (manual 5.3). After each frame the camera measures the mean
 * brightness (8-bit scale) of the auto-function region of the image it produced and sets the
 * exposure and gain of later frames so that the mean approaches ExposureAutoReference:
 *
 *   ratio  = (reference − black) / (measured − black)     black = BlackLevel / 16, ratio clamped to 1/8 … 8
 *   K'     = K(frame) × ratio                              K = ExposureTime / 10 ms × 10^(Gain/20)
 *   highlight reduction: the 99th percentile p99 of the measured pixels must stay below 254:
 *                        p99 ≥ 254 → ratio ≤ 0.9, else ratio ≤ (253 − black) / (p99 − black)
 *
 * K' is then split with the limits: with both autos on the gain stays as low as possible
 * (exposure first, up to its upper limit; only then gain), so gain is what gets lowered first.
 * Because K' is computed from the settings of the measured frame, frames still in flight do not
 * make it overshoot.
 */
import { EXPOSURE_REFERENCE_US } from './sensor';
import { signalFactor } from './transfer';

export interface AutoLimits {
  exposureAuto: boolean;
  gainAuto: boolean;
  reference: number;
  highlightReduction: boolean;
  blackLevel: number;
  exposureMin: number;
  exposureMax: number;
  gainMin: number;
  gainMax: number;
}

export interface Measurement {
  /** Mean of the measured pixels, 0 … 255. */
  mean: number;
  /** Fraction of the measured pixels at 254 or 255. */
  saturated: number;
  /** 99th percentile of the measured pixels. */
  p99: number;
}

export interface ExposureGain {
  exposureUs: number;
  gainDb: number;
}

const SATURATED = 254;

export function nextExposureGain(frame: ExposureGain, current: ExposureGain, m: Measurement, limits: AutoLimits): ExposureGain {
  if (!limits.exposureAuto && !limits.gainAuto) return current;
  const black = Math.min(limits.blackLevel / 16, 254);
  let ratio = Math.max(0.5, limits.reference - black) / Math.max(0.5, m.mean - black);
  ratio = Math.min(8, Math.max(1 / 8, ratio));
  if (limits.highlightReduction) {
    ratio = Math.min(ratio, m.p99 >= SATURATED ? 0.9 : (SATURATED - 1 - black) / Math.max(0.5, m.p99 - black));
  }
  const k = signalFactor(frame.exposureUs, frame.gainDb) * ratio;
  const exposureMax = Math.max(limits.exposureMin, limits.exposureMax);
  const gainMax = Math.max(limits.gainMin, limits.gainMax);
  const clampExposure = (us: number): number => Math.min(exposureMax, Math.max(limits.exposureMin, us));
  const clampGain = (db: number): number => Math.min(gainMax, Math.max(limits.gainMin, db));
  const exposureFor = (gainDb: number): number => (k * EXPOSURE_REFERENCE_US) / 10 ** (gainDb / 20);
  const gainFor = (exposureUs: number): number => 20 * Math.log10((k * EXPOSURE_REFERENCE_US) / exposureUs);
  if (limits.exposureAuto && limits.gainAuto) {
    const exposureUs = clampExposure(exposureFor(limits.gainMin));
    return { exposureUs, gainDb: clampGain(gainFor(exposureUs)) };
  }
  if (limits.exposureAuto) return { exposureUs: clampExposure(exposureFor(current.gainDb)), gainDb: current.gainDb };
  return { exposureUs: current.exposureUs, gainDb: clampGain(gainFor(current.exposureUs)) };
}

export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

const SAMPLES_PER_AXIS = 64;

/**
 * Mean (8-bit scale) and saturated fraction of `rect` in an image, from a grid of at most 64×64
 * pixels. `sample8(x, y)` returns the pixel's 8 most significant bits.
 */
export function measure(rect: Rect, sample8: (x: number, y: number) => number): Measurement {
  const nx = Math.min(SAMPLES_PER_AXIS, rect.width);
  const ny = Math.min(SAMPLES_PER_AXIS, rect.height);
  let sum = 0;
  let saturated = 0;
  const histogram = new Uint32Array(256);
  for (let j = 0; j < ny; j += 1) {
    const y = rect.top + Math.floor(((j + 0.5) * rect.height) / ny);
    for (let i = 0; i < nx; i += 1) {
      const x = rect.left + Math.floor(((i + 0.5) * rect.width) / nx);
      const v = sample8(x, y);
      sum += v;
      histogram[v] += 1;
      if (v >= SATURATED) saturated += 1;
    }
  }
  const n = nx * ny;
  let below = 0;
  let p99 = 255;
  for (let v = 0; v < 256; v += 1) {
    below += histogram[v];
    if (below >= 0.99 * n) {
      p99 = v;
      break;
    }
  }
  return { mean: n ? sum / n : 0, saturated: n ? saturated / n : 0, p99 };
}
