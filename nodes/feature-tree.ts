/**
 * A camera's features as the editor's feature picker needs them: every feature under the root
 * category (to a visibility level), with type, access, range and increment, unit, enumeration
 * entries, description and current value, plus the category tree — JSON-safe (bigints as decimal
 * strings). The shape is documented in docs/architecture.md ("Feature tree endpoint").
 */
import type { Camera } from '../lib/camera/camera';
import { toJsonSafe } from '../lib/genicam';
import type { CategoryTree, FeatureDescription } from '../lib/genicam';

export type FeatureVisibility = 'Beginner' | 'Expert' | 'Guru' | 'Invisible';
const VISIBILITIES: FeatureVisibility[] = ['Beginner', 'Expert', 'Guru', 'Invisible'];

export interface FeatureTreeOptions {
  /** Features up to this visibility (default Guru: everything a user may touch). */
  visibility?: FeatureVisibility;
  /** Read current values (default true). */
  values?: boolean;
}

/** One feature; integers beyond ±2^53 and 64-bit values are decimal strings. */
export interface FeatureJson {
  name: string;
  displayName: string;
  type: string;
  access: string;
  visibility: string;
  category?: string;
  description?: string;
  unit?: string;
  min?: number | string;
  max?: number | string;
  inc?: number | string;
  representation?: string;
  entries?: Array<{ name: string; displayName: string; value: number | string; available: boolean; description?: string }>;
  length?: number;
  value?: unknown;
  error?: string;
  selected?: string[];
  selectedBy?: string[];
}

export interface FeatureTree {
  camera: { address: string; vendor: string; model: string; serial: string; userName: string; access: string };
  categories: CategoryTree | null;
  features: FeatureJson[];
}

export function parseVisibility(value: unknown): FeatureVisibility {
  return VISIBILITIES.includes(value as FeatureVisibility) ? (value as FeatureVisibility) : 'Guru';
}

function featureJson(d: FeatureDescription): FeatureJson {
  const out: FeatureJson = { name: d.name, displayName: d.displayName, type: d.type, access: d.access, visibility: d.visibility };
  const keys = [
    'category',
    'description',
    'unit',
    'min',
    'max',
    'inc',
    'representation',
    'entries',
    'length',
    'value',
    'error',
    'selected',
    'selectedBy',
  ] as const;
  for (const key of keys) {
    if (d[key] !== undefined) (out as unknown as Record<string, unknown>)[key] = toJsonSafe(d[key]);
  }
  return out;
}

/** The feature tree of an open camera (reads only; takes well under a second on a DMK 38GX541-a). */
export async function buildFeatureTree(camera: Camera, options: FeatureTreeOptions = {}): Promise<FeatureTree> {
  const info = camera.device.info;
  const features = await camera.nodeMap.list({ visibility: options.visibility ?? 'Guru', value: options.values !== false });
  return {
    camera: {
      address: camera.address,
      vendor: info.manufacturerName,
      model: info.modelName,
      serial: info.serialNumber,
      userName: info.userDefinedName,
      access: camera.options.access,
    },
    categories: camera.nodeMap.categoryTree() ?? null,
    features: features.filter((d) => d.type !== 'Port').map(featureJson),
  };
}
