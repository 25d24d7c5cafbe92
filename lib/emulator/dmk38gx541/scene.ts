/**
 * What the emulated sensor sees, selectable per camera (docs/emulator.md, "Scenes"):
 *
 *   'ramp' (default) — the exact 12-bit diagonal ramp the tests predict byte for byte
 *     (lib/stream/scene-reference.ts), moving one step per block id;
 *   'inspection' — parts on a conveyor belt, one pitch further per frame (the part under the
 *     station is the frame's block id), a seeded fraction with a hole or a chipped corner, and
 *     sensor noise that grows with gain: something for demos and example flows to measure, the
 *     same frames for the same seed.
 *
 * Both are rendered natively through the frame's transfer table (exposure, gain, black level,
 * gamma, LUT) and its ROI / decimation / binning / reverse mapping.
 */
import { GigeError } from '../../errors';
import { renderRamp } from '../../stream/native';
import { InspectionDefect, emulatorNative } from '../native';
import type { RampRenderer } from './frame-producer';

export interface InspectionSceneOptions {
  kind: 'inspection';
  /** Which parts are defective and what the noise looks like (default 1). */
  seed?: number;
  /** Fraction of parts with a defect, 0 … 1 (default 0.2). */
  defectRate?: number;
  /** Read noise, standard deviation in 12-bit scene units before gain (default 6); photon noise comes on top. */
  noiseSigma?: number;
}

export type SceneOptions = { kind: 'ramp' } | InspectionSceneOptions;

/** The inspection scene's layout in sensor pixels (4504 × 4504) and its 12-bit scene values (native/src/scene_inspection.h). */
export const INSPECTION_SCENE = {
  stationX: 2252,
  centreY: 2252,
  beltTop: 1352,
  beltBottom: 3152,
  pitch: 1400,
  partWidth: 900,
  partHeight: 1300,
  seamWidth: 16,
  values: { floor: 250, belt: 700, seam: 450, part: 3300 },
} as const;

export function sceneRenderer(scene: SceneOptions | undefined): RampRenderer {
  if (!scene || scene.kind === 'ramp') return renderRamp;
  if (scene.kind !== 'inspection') {
    throw new GigeError(
      'INVALID_ARGUMENT',
      `scene "${String((scene as { kind?: unknown }).kind)}" is unknown; allowed 'ramp', 'inspection'`,
      {},
    );
  }
  const seed = scene.seed ?? 1;
  const defectRate = scene.defectRate ?? 0.2;
  const noiseSigma = scene.noiseSigma ?? 6;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
    throw new GigeError('INVALID_ARGUMENT', `scene seed ${seed} is not allowed; allowed a whole number 0 … 4294967295`, {});
  if (!(defectRate >= 0 && defectRate <= 1))
    throw new GigeError('INVALID_ARGUMENT', `scene defectRate ${defectRate} is not allowed; allowed 0 … 1`, {});
  if (!(noiseSigma >= 0 && noiseSigma <= 1000))
    throw new GigeError('INVALID_ARGUMENT', `scene noiseSigma ${noiseSigma} is not allowed; allowed 0 … 1000`, {});
  return (dst, params) => emulatorNative.renderInspection(dst, { ...params, seed, defectRate, noiseSigma });
}

/**
 * The defect of part `part` (the part at the station in the frame with that block id), or null:
 * what an inspection should find.
 */
export function inspectionDefect(scene: InspectionSceneOptions, part: number): InspectionDefect | null {
  return emulatorNative.inspectionDefect(scene.seed ?? 1, part, scene.defectRate ?? 0.2);
}

/** Bright pixels of a part at full resolution: 900 × 1300 less a hole (row by row) or a chipped corner (legs L: L(L+1)/2). */
export function partBrightArea(defect: InspectionDefect | null): number {
  const whole = INSPECTION_SCENE.partWidth * INSPECTION_SCENE.partHeight;
  if (!defect) return whole;
  if (defect.kind === 'chip') return whole - (defect.leg * (defect.leg + 1)) / 2;
  let hole = 0;
  for (let dy = -defect.radius + 1; dy < defect.radius; dy += 1) hole += 2 * Math.floor(Math.sqrt(defect.radius ** 2 - dy ** 2)) + 1;
  return whole - hole;
}
