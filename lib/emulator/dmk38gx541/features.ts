/**
 * The whole feature table of the emulated DMK 38GX541-a and its register map: every model register
 * gets an address in its category's window (0xA000 + 0x100 per category, in table order), so the
 * GenICam XML and the model's register file come from the same list.
 */
import { CategoryDef, FeatureDef } from './feature-types';
import { imageCategories, imageFeatures } from './features-image';
import { ioCategories, ioFeatures } from './features-io';
import { syncCategories, syncFeatures } from './features-sync';
import { manualDisplayName } from './display-names';

export const CATEGORY_WINDOW = 0x100;

export interface MappedFeature extends FeatureDef {
  /** Model register address (storage kind 'model'). */
  address?: number;
}

function assignAddresses(categories: CategoryDef[], features: FeatureDef[]): MappedFeature[] {
  const cursor = new Map<string, number>();
  for (const category of categories) if (category.registerBase !== undefined) cursor.set(category.name, category.registerBase);
  return features.map((feature) => {
    if (feature.storage.kind !== 'model') return feature;
    const base = categories.find((c) => c.name === feature.category)?.registerBase;
    let next = cursor.get(feature.category);
    if (base === undefined || next === undefined)
      throw new Error(`feature ${feature.name}: category ${feature.category} has no register window`);
    const length = feature.storage.length;
    next = Math.ceil(next / length) * length;
    if (next + length > base + CATEGORY_WINDOW)
      throw new Error(`category ${feature.category} overflows its register window at ${feature.name}`);
    cursor.set(feature.category, next + length);
    return { ...feature, address: next };
  });
}

export const categories: CategoryDef[] = [...imageCategories, ...ioCategories, ...syncCategories];
export const features: MappedFeature[] = assignAddresses(categories, [...imageFeatures, ...ioFeatures, ...syncFeatures]).map((f) => ({
  ...f,
  displayName: f.displayName ?? manualDisplayName(f.name),
}));

const byName = new Map(features.map((f) => [f.name, f]));
if (byName.size !== features.length) throw new Error('duplicate feature name in the DMK 38GX541-a table');

export function feature(name: string): MappedFeature {
  const found = byName.get(name);
  if (!found) throw new Error(`no feature named ${name}`);
  return found;
}

export function hasFeature(name: string): boolean {
  return byName.has(name);
}

/** Integer value of an enumeration entry, by name. */
export function entryValue(featureName: string, entryName: string): number {
  const entry = feature(featureName).entries?.find((e) => e.name === entryName);
  if (!entry) throw new Error(`${featureName} has no entry ${entryName}`);
  return entry.value;
}

export function entryName(featureName: string, value: number): string | undefined {
  return feature(featureName).entries?.find((e) => e.value === value)?.name;
}
