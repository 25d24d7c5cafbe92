/**
 * The camera's response: how a scene value (the 12-bit ramp of `docs/architecture.md` "The scene")
 * becomes an output pixel. One 4096-entry table per setting, so the renderer does one lookup per
 * pixel. `docs/emulator.md` states the same formulas for tests to predict mean levels and bytes.
 *
 *   K      = ExposureTime / 10000 µs × 10^(Gain / 20)
 *   signal = min(4095, floor(BlackLevel + v × K))                        (12-bit sensor value)
 *   out    = LUTEnable ? lut(signal) : Gamma ≠ 1 ? gammaLut(signal) : signal
 *   lut(s) = (L[i] + floor((L[i+1] − L[i]) × f / 16)) >> 4,  i = s >> 4, f = s & 15
 *
 * The camera's 257-entry table L (16-bit entries, upper 8 bits of the 12-bit value select the
 * entry, the low 4 bits interpolate) is also how gamma is applied: the same hardware.
 */
import { EXPOSURE_REFERENCE_US, SENSOR_MAX_VALUE } from './sensor';

export const LUT_ENTRIES = 257;
const SCENE_LEVELS = SENSOR_MAX_VALUE + 1;

export interface TransferSettings {
  exposureUs: number;
  gainDb: number;
  blackLevel: number;
  gamma: number;
  lutEnabled: boolean;
  /** 257 entries, 0 … 65535. */
  lut: Uint16Array;
}

/** Scene-to-signal factor of an exposure and gain. */
export function signalFactor(exposureUs: number, gainDb: number): number {
  return (exposureUs / EXPOSURE_REFERENCE_US) * 10 ** (gainDb / 20);
}

/** The factory lookup table: identity over 16-bit output (entry 256 saturates at 65535). */
export function identityLut(): Uint16Array {
  const lut = new Uint16Array(LUT_ENTRIES);
  for (let i = 0; i < LUT_ENTRIES; i += 1) lut[i] = Math.min(65535, i * 256);
  return lut;
}

/** The 257-entry table that implements out = in^gamma on the normalised signal. */
export function gammaLut(gamma: number): Uint16Array {
  const lut = new Uint16Array(LUT_ENTRIES);
  for (let i = 0; i < LUT_ENTRIES; i += 1) lut[i] = Math.round(65535 * (i / 256) ** gamma);
  return lut;
}

/** One 12-bit value through a 257-entry table with the camera's interpolation. */
export function applyLut(lut: Uint16Array, signal: number): number {
  const index = signal >> 4;
  const fraction = signal & 15;
  const low = lut[index];
  const high = lut[index + 1];
  return (low + Math.floor(((high - low) * fraction) / 16)) >> 4;
}

/** Signal for every scene value 0 … 4095, before gamma/LUT. */
export function signalTable(exposureUs: number, gainDb: number, blackLevel: number): Uint16Array {
  const k = signalFactor(exposureUs, gainDb);
  const table = new Uint16Array(SCENE_LEVELS);
  for (let v = 0; v < SCENE_LEVELS; v += 1) table[v] = Math.min(SENSOR_MAX_VALUE, Math.floor(blackLevel + v * k));
  return table;
}

/** The full transfer: scene value 0 … 4095 → 12-bit output value, as the renderer's table. */
export function transferTable(settings: TransferSettings): Uint16Array {
  const table = signalTable(settings.exposureUs, settings.gainDb, settings.blackLevel);
  const curve = settings.lutEnabled ? settings.lut : settings.gamma !== 1 ? gammaLut(settings.gamma) : null;
  if (curve) for (let v = 0; v < SCENE_LEVELS; v += 1) table[v] = applyLut(curve, table[v]);
  return table;
}
