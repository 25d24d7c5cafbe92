/**
 * Image geometry from the readout settings (manual 5.1): the output size limits in each readout
 * mode, the effective offsets (auto-centre and clamping, 5.1.5) and the renderer's sensor mapping.
 *
 * Coordinates: Width/Height/OffsetX/OffsetY count output pixels. With 2X skipping or binning one
 * output pixel spans 2 sensor pixels, so the sensor origin is offset × factor and the step is the
 * factor; binning averages the 2 pixels of each pair (sums would overflow 12 bits).
 */
import { SENSOR_HEIGHT, SENSOR_WIDTH } from './sensor';

export const SIZE_INCREMENT = 4;

export interface ReadoutSettings {
  width: number;
  height: number;
  offsetX: number;
  offsetY: number;
  autoCenter: boolean;
  binningHorizontal: number;
  binningVertical: number;
  decimationHorizontal: number;
  decimationVertical: number;
  reverseX: boolean;
  reverseY: boolean;
}

export interface Placement {
  offsetX: number;
  offsetY: number;
  originX: number;
  originY: number;
  stepX: number;
  stepY: number;
  binX: number;
  binY: number;
}

export function factorX(s: Pick<ReadoutSettings, 'binningHorizontal' | 'decimationHorizontal'>): number {
  return Math.max(s.binningHorizontal, s.decimationHorizontal);
}

export function factorY(s: Pick<ReadoutSettings, 'binningVertical' | 'decimationVertical'>): number {
  return Math.max(s.binningVertical, s.decimationVertical);
}

function roundDown(value: number): number {
  return Math.floor(value / SIZE_INCREMENT) * SIZE_INCREMENT;
}

export function widthMax(s: Pick<ReadoutSettings, 'binningHorizontal' | 'decimationHorizontal'>): number {
  return roundDown(SENSOR_WIDTH / factorX(s));
}

export function heightMax(s: Pick<ReadoutSettings, 'binningVertical' | 'decimationVertical'>): number {
  return roundDown(SENSOR_HEIGHT / factorY(s));
}

/** Offsets the camera actually uses: centred, or the requested ones clamped to the largest valid. */
export function placement(s: ReadoutSettings): Placement {
  const spareX = Math.max(0, widthMax(s) - s.width);
  const spareY = Math.max(0, heightMax(s) - s.height);
  const offsetX = s.autoCenter ? roundDown(spareX / 2) : Math.min(s.offsetX, spareX);
  const offsetY = s.autoCenter ? roundDown(spareY / 2) : Math.min(s.offsetY, spareY);
  const fx = factorX(s);
  const fy = factorY(s);
  return {
    offsetX,
    offsetY,
    originX: offsetX * fx,
    originY: offsetY * fy,
    stepX: fx,
    stepY: fy,
    binX: s.binningHorizontal,
    binY: s.binningVertical,
  };
}
