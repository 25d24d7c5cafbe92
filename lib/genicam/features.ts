import { INT64_MAX, INT64_MIN, toPublicInteger, PublicInteger } from './numbers';
import { Num } from './formula';
import { AccessMode, FeatureType, GenNode, Visibility, VISIBILITIES, canRead } from './nodes/node';
import { EnumerationNode } from './nodes/enumeration';
import { CategoryNode } from './nodes/simple';
import { FloatNode } from './nodes/numeric';
import { RegisterNode } from './nodes/register';
import { FeatureValue, entryAvailable, implementedEntries, readFeatureValue, unitOf } from './feature-access';

export interface EnumEntryDescription {
  name: string;
  value: PublicInteger;
  displayName: string;
  description?: string;
  available: boolean;
}

/**
 * Everything a UI or the CLI shows about one feature. Integers are numbers, or bigints beyond
 * ±2^53 (see `toJsonSafe` before JSON.stringify). `value` is present only when the feature is
 * readable and was read; `error` says why a read failed.
 */
export interface FeatureDescription {
  name: string;
  type: FeatureType;
  /** The XML element (IntReg, SwissKnife, StructEntry, …). */
  nodeType: string;
  access: AccessMode;
  visibility: Visibility;
  displayName: string;
  description?: string;
  toolTip?: string;
  unit?: string;
  representation?: string;
  displayNotation?: string;
  displayPrecision?: number;
  min?: PublicInteger;
  max?: PublicInteger;
  inc?: PublicInteger;
  entries?: EnumEntryDescription[];
  /** Bytes, for String and Register features. */
  length?: number;
  value?: FeatureValue;
  error?: string;
  /** The category the feature was listed under. */
  category?: string;
  selected?: string[];
  selectedBy?: string[];
  streamable?: boolean;
  isDeprecated?: boolean;
  pollingTime?: number;
  /** Chunk/event features: where their data comes from. */
  source?: { port: string; chunkId?: number; eventId?: number };
}

export interface DescribeOptions {
  /** Read the value (default true). */
  value?: boolean;
}

export interface CategoryTree {
  name: string;
  displayName: string;
  description?: string;
  visibility: Visibility;
  categories: CategoryTree[];
  /** Feature names, in the order the category lists them. */
  features: string[];
}

function plain(value: Num | undefined): PublicInteger | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'bigint') return toPublicInteger(value);
  return Number.isFinite(value) ? value : undefined;
}

async function settle<T>(work: () => T | Promise<T>): Promise<T | undefined> {
  try {
    return await work();
  } catch {
    return undefined;
  }
}

export async function describeNode(node: GenNode, options: DescribeOptions = {}): Promise<FeatureDescription> {
  const access = (await settle(() => node.access())) ?? 'NA';
  const description: FeatureDescription = {
    name: node.name,
    type: node.type,
    nodeType: node.nodeType,
    access,
    visibility: node.visibility,
    displayName: node.displayName ?? node.name,
  };
  if (node.description ?? node.toolTip) description.description = node.description ?? node.toolTip;
  if (node.toolTip) description.toolTip = node.toolTip;
  const unit = unitOf(node);
  if (unit) description.unit = unit;
  const representation = (node as { representation?: string }).representation;
  if (representation) description.representation = representation;
  if (node instanceof FloatNode) {
    if (node.displayNotation) description.displayNotation = node.displayNotation;
    if (node.displayPrecision !== undefined) description.displayPrecision = node.displayPrecision;
  }
  if (node.type === 'Integer' || node.type === 'Float') {
    const [min, max, inc] = await Promise.all([settle(() => node.minimum()), settle(() => node.maximum()), settle(() => node.increment())]);
    // GenApi's defaults (the whole int64 range) mean "no limit": leave them out rather than print them.
    const unbounded = min === INT64_MIN && max === INT64_MAX;
    if (!unbounded && plain(min) !== undefined) description.min = plain(min);
    if (!unbounded && plain(max) !== undefined) description.max = plain(max);
    if (plain(inc) !== undefined && !(unbounded && inc === 1n)) description.inc = plain(inc);
  }
  if (node instanceof EnumerationNode) {
    const entries = (await settle(() => implementedEntries(node))) ?? node.entries;
    description.entries = [];
    for (const entry of entries) {
      const item: EnumEntryDescription = {
        name: entry.symbolic,
        value: toPublicInteger(entry.value),
        displayName: entry.displayName ?? entry.symbolic,
        available: (await settle(() => entryAvailable(entry))) ?? false,
      };
      if (entry.description ?? entry.toolTip) item.description = entry.description ?? entry.toolTip;
      description.entries.push(item);
    }
  }
  if (node instanceof RegisterNode && (node.type === 'String' || node.type === 'Register')) {
    const length = await settle(() => node.length());
    if (length !== undefined) description.length = length;
  }
  if (node instanceof RegisterNode && node.port && node.port.binding !== 'device') {
    description.source = { port: node.port.name, chunkId: node.port.chunkId, eventId: node.port.eventId };
  }
  if (node.selectedRefs.length > 0) description.selected = node.selectedRefs.map((ref) => ref.name);
  if (node.selectedBy.length > 0) description.selectedBy = node.selectedBy.map((selector) => selector.name);
  if (node.streamable) description.streamable = true;
  if (node.isDeprecated) description.isDeprecated = true;
  if (node.pollingTime !== undefined) description.pollingTime = node.pollingTime;
  if (options.value !== false && canRead(access) && node.type !== 'Command' && node.type !== 'Category' && node.type !== 'Port') {
    try {
      description.value = await readFeatureValue(node);
    } catch (err) {
      description.error = (err as Error).message;
    }
  }
  return description;
}

/** The root category: `Root` when present, else the first category no other category lists. */
export function rootCategory(nodes: GenNode[]): CategoryNode | undefined {
  const categories = nodes.filter((node): node is CategoryNode => node instanceof CategoryNode);
  const root = categories.find((category) => category.name === 'Root');
  if (root) return root;
  const listed = new Set(categories.flatMap((category) => category.features.map((ref) => ref.node)));
  return categories.find((category) => !listed.has(category));
}

export function buildCategoryTree(category: CategoryNode, seen = new Set<GenNode>()): CategoryTree {
  seen.add(category);
  const tree: CategoryTree = {
    name: category.name,
    displayName: category.displayName ?? category.name,
    visibility: category.visibility,
    categories: [],
    features: [],
  };
  if (category.description ?? category.toolTip) tree.description = category.description ?? category.toolTip;
  for (const ref of category.features) {
    if (seen.has(ref.node)) continue;
    if (ref.node instanceof CategoryNode) tree.categories.push(buildCategoryTree(ref.node, seen));
    else tree.features.push(ref.node.name);
  }
  return tree;
}

/** Features in category order (each once, under the first category that lists it). */
export function featuresInOrder(root: CategoryNode | undefined, all: GenNode[]): { node: GenNode; category?: string }[] {
  if (!root) {
    return all
      .filter((node) => node.type !== 'Category' && node.type !== 'EnumEntry' && node.type !== 'Port' && !node.name.includes('/'))
      .map((node) => ({ node }));
  }
  const result: { node: GenNode; category?: string }[] = [];
  const seen = new Set<GenNode>();
  const walk = (category: CategoryNode): void => {
    seen.add(category);
    for (const ref of category.features) {
      if (seen.has(ref.node)) continue;
      seen.add(ref.node);
      if (ref.node instanceof CategoryNode) walk(ref.node);
      else result.push({ node: ref.node, category: category.name });
    }
  };
  walk(root);
  return result;
}

export function visibleAt(node: GenNode, level: Visibility): boolean {
  return VISIBILITIES.indexOf(node.visibility) <= VISIBILITIES.indexOf(level);
}
