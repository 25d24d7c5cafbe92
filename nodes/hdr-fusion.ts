/**
 * Exposure fusion (Mertens, Kautz, Van Reeth 2007) of a multi-frame set (manual 5.11) into one
 * 8-bit image, for monochrome frames: each pixel of each frame is weighted by how well exposed it
 * is (close to mid-grey) and by its local contrast (|Laplacian|), the weights are normalised over
 * the set, and the frames are blended in a Laplacian pyramid so that the seams between regions
 * taken from different exposures do not show. No camera response curve or radiance map is needed:
 * the result is a display image, not a measurement (the raw set is what to measure on).
 *
 * Pure TypeScript over Float32Arrays; gige-hdr-merge runs it in a worker thread, so a large set
 * never blocks Node-RED's event loop.
 */

/** Standard deviation of the well-exposedness Gaussian around 0.5 (the paper's value). */
const WELL_EXPOSED_SIGMA = 0.2;
/** Keeps every weight above zero, so a pixel badly exposed in all frames still gets an average. */
const WEIGHT_FLOOR = 1e-6;
/** The pyramid stops when a side would drop below this many pixels. */
const SMALLEST_LEVEL = 8;

interface Plane {
  data: Float32Array;
  width: number;
  height: number;
}

/** Index `i` mirrored into 0 … n−1 (… 2 1 | 0 1 2 … n−1 | n−2 …). */
function mirror(i: number, n: number): number {
  if (i < 0) return Math.min(-i, n - 1);
  if (i >= n) return Math.max(2 * n - 2 - i, 0);
  return i;
}

/** 5-tap binomial blur (1 4 6 4 1)/16, separable, edges mirrored; the inner loops without index checks. */
function blur(p: Plane): Plane {
  const { width: w, height: h, data } = p;
  const tmp = new Float32Array(w * h);
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    const edge = (x: number) => {
      tmp[row + x] =
        (data[row + mirror(x - 2, w)] +
          4 * data[row + mirror(x - 1, w)] +
          6 * data[row + x] +
          4 * data[row + mirror(x + 1, w)] +
          data[row + mirror(x + 2, w)]) *
        0.0625;
    };
    for (let x = 0; x < Math.min(2, w); x++) edge(x);
    for (let x = 2, i = row + 2; x < w - 2; x++, i++)
      tmp[i] = (data[i - 2] + 4 * data[i - 1] + 6 * data[i] + 4 * data[i + 1] + data[i + 2]) * 0.0625;
    for (let x = Math.max(2, w - 2); x < w; x++) edge(x);
  }
  for (let y = 0; y < h; y++) {
    const r0 = mirror(y - 2, h) * w,
      r1 = mirror(y - 1, h) * w,
      r2 = y * w,
      r3 = mirror(y + 1, h) * w,
      r4 = mirror(y + 2, h) * w;
    for (let x = 0; x < w; x++) out[r2 + x] = (tmp[r0 + x] + 4 * tmp[r1 + x] + 6 * tmp[r2 + x] + 4 * tmp[r3 + x] + tmp[r4 + x]) * 0.0625;
  }
  return { data: out, width: w, height: h };
}

/** Blur, then every second pixel in both directions. */
function reduce(p: Plane): Plane {
  const b = blur(p);
  const w = Math.ceil(p.width / 2);
  const h = Math.ceil(p.height / 2);
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = b.data[2 * y * p.width + 2 * x];
  return { data: out, width: w, height: h };
}

/** Back to `width` × `height`: each pixel repeated 2 × 2, then blurred (the inverse of reduce's sampling). */
function expand(p: Plane, width: number, height: number): Plane {
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const src = (y >> 1) * p.width;
    for (let x = 0; x < width; x++) out[y * width + x] = p.data[src + (x >> 1)];
  }
  return blur({ data: out, width, height });
}

function levelsFor(width: number, height: number): number {
  let levels = 1;
  for (let w = width, h = height; Math.min(w, h) >= 2 * SMALLEST_LEVEL && levels < 10; w = Math.ceil(w / 2), h = Math.ceil(h / 2)) levels++;
  return levels;
}

/** Mertens weights (contrast × well-exposedness) of one frame of values 0 … 1. */
function weightsOf(frame: Float32Array, width: number, height: number): Float32Array {
  const out = new Float32Array(width * height);
  const twoSigma2 = 2 * WELL_EXPOSED_SIGMA * WELL_EXPOSED_SIGMA;
  for (let y = 0; y < height; y++) {
    const up = (y > 0 ? y - 1 : y + (height > 1 ? 1 : 0)) * width;
    const down = (y < height - 1 ? y + 1 : y - (height > 1 ? 1 : 0)) * width;
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const left = x > 0 ? x - 1 : Math.min(1, width - 1);
      const right = x < width - 1 ? x + 1 : Math.max(width - 2, 0);
      const v = frame[row + x];
      const laplacian = frame[up + x] + frame[down + x] + frame[row + left] + frame[row + right] - 4 * v;
      const d = v - 0.5;
      out[row + x] = Math.abs(laplacian) * Math.exp(-(d * d) / twoSigma2) + WEIGHT_FLOOR;
    }
  }
  return out;
}

/**
 * Fuses `frames` (each `width` × `height` values 0 … 1, any order of exposures) into 8-bit pixels.
 * Throws on an empty set or frames of another size.
 */
export function fuseExposures(frames: Float32Array[], width: number, height: number): Uint8Array {
  return fuseFrames(frames.length, (k) => frames[k], width, height);
}

/**
 * The same, with frame `k` made by `frameAt(k)` when needed (twice per frame): only one frame's
 * values are held at a time, which at 4504² saves 81 MB per further frame.
 */
export function fuseFrames(count: number, frameAt: (k: number) => Float32Array, width: number, height: number): Uint8Array {
  const n = width * height;
  if (count === 0) throw new Error('no frames to fuse');
  const frame = (k: number) => {
    const f = frameAt(k);
    if (f.length !== n) throw new Error(`frame ${k} has ${f.length} values, expected ${width} × ${height}`);
    return f;
  };
  const weights: Float32Array[] = [];
  for (let k = 0; k < count; k++) weights.push(weightsOf(frame(k), width, height));
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let k = 0; k < count; k++) sum += weights[k][i];
    for (let k = 0; k < count; k++) weights[k][i] /= sum;
  }
  const levels = levelsFor(width, height);
  let blended: Plane[] | null = null;
  for (let k = 0; k < count; k++) {
    // Gaussian pyramid of the weights, Laplacian pyramid of the frame, summed level by level.
    let g: Plane = { data: weights[k], width, height };
    let image: Plane = { data: frame(k), width, height };
    weights[k] = new Float32Array(0);
    const sums: Plane[] = blended ?? [];
    for (let l = 0; l < levels; l++) {
      const last = l === levels - 1;
      const next = last ? null : reduce(image);
      const up = next ? expand(next, image.width, image.height) : null;
      if (!blended) sums.push({ data: new Float32Array(image.data.length), width: image.width, height: image.height });
      const sum = sums[l].data;
      const pixels = image.data;
      const weight = g.data;
      if (up) for (let i = 0; i < sum.length; i++) sum[i] += (pixels[i] - up.data[i]) * weight[i];
      else for (let i = 0; i < sum.length; i++) sum[i] += pixels[i] * weight[i];
      if (next) {
        image = next;
        g = reduce(g);
      }
    }
    blended = sums;
  }
  // Collapse: from the coarsest level up, expand and add the details.
  let result = blended![levels - 1];
  for (let l = levels - 2; l >= 0; l--) {
    const up = expand(result, blended![l].width, blended![l].height);
    for (let i = 0; i < up.data.length; i++) up.data[i] += blended![l].data[i];
    result = up;
  }
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.max(0, Math.min(255, Math.round(result.data[i] * 255)));
  return out;
}

/** Frame values as 0 … 1: Mono8 / 255, wider formats (as 16-bit samples) / (2^bits − 1). */
export function toUnitValues(samples: Uint8Array | Uint16Array, significantBits: number): Float32Array {
  const scale = 1 / (2 ** significantBits - 1);
  const out = new Float32Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = samples[i] * scale;
  return out;
}
