/**
 * The GenICam caching model of the emulated camera's XML: which registers a client may cache, and
 * which writes must drop which cached values (pInvalidator).
 *
 *   - NoCache: what the camera changes by itself (auto-exposure results, acquisition status that a
 *     SingleFrame acquisition ends, PTP status, GPIIn, timestamps, privilege, addresses FORCEIP
 *     moves), commands, write-only registers, and event and chunk data.
 *   - WriteAround: the camera keeps something other than what was written (OffsetX/Y read back the
 *     offset actually used; SCPS rounds the packet size and clears the test-packet bit).
 *   - WriteThrough: everything else — only the host changes it, so a read is served from the cache.
 *
 * A cached value must go whenever a write can change it. The table names each feature's direct
 * causes (`invalidatedBy`); the XML lists their closure: the causes of the causes (Binning changes
 * Width, Width changes PayloadSize, so Binning invalidates PayloadSize), UserSetLoad for every
 * feature a user set holds, the selector of a multiplexed register, and every feature that shares
 * the register (a masked bit's neighbours are rewritten by read-modify-write). Clients that do not
 * propagate invalidation themselves still get it right.
 */
import { Cachable, FeatureDef } from './feature-types';
import { MappedFeature, features } from './features';

const byName = new Map(features.map((f) => [f.name, f]));

/** The command that restores every streamable feature. */
const USER_SET_LOAD = 'UserSetLoad';

function writable(f: FeatureDef): boolean {
  return f.access !== 'RO';
}

export function cachingMode(f: FeatureDef): Cachable {
  if (f.storage.kind === 'port' || f.kind === 'command' || f.access === 'WO') return 'NoCache';
  return f.cachable ?? 'WriteThrough';
}

/** Byte range of a feature's register in the device's address space, or null (ports, constants). */
function span(f: MappedFeature): [number, number] | null {
  const s = f.storage;
  if (s.kind === 'model') return [f.address as number, (f.address as number) + s.length];
  if (s.kind === 'bootstrap' || s.kind === 'memory') return [s.address, s.address + s.length];
  return null;
}

function sharers(f: MappedFeature): MappedFeature[] {
  const mine = span(f);
  if (!mine) return [];
  return features.filter((other) => {
    const theirs = other !== f ? span(other) : null;
    return theirs !== null && theirs[0] < mine[1] && mine[0] < theirs[1];
  });
}

function directCauses(f: FeatureDef): string[] {
  return [...(f.invalidatedBy ?? []), ...(f.streamable ? [USER_SET_LOAD] : [])];
}

const causes = new Map<string, Set<string>>();

/** Features whose writes change `f`'s value: its declared causes, transitively. */
function causesOf(f: FeatureDef): Set<string> {
  let out = causes.get(f.name);
  if (out) return out;
  out = new Set<string>();
  const stack = directCauses(f);
  while (stack.length > 0) {
    const name = stack.pop() as string;
    if (out.has(name)) continue;
    const cause = byName.get(name);
    if (!cause) throw new Error(`${f.name}: invalidatedBy names ${name}, which is not a feature`);
    out.add(name);
    stack.push(...directCauses(cause));
  }
  causes.set(f.name, out);
  return out;
}

/** The pInvalidator list of `f`'s register: writable features only, sorted, without `f` itself. */
export function invalidators(f: MappedFeature): string[] {
  if (cachingMode(f) === 'NoCache') return [];
  const all = new Set(causesOf(f));
  if (f.selectedBy) all.add(f.selectedBy);
  for (const selector of features) if (selector.selects?.includes(f.name)) all.add(selector.name);
  for (const peer of sharers(f)) {
    all.add(peer.name);
    for (const cause of causesOf(peer)) all.add(cause);
  }
  all.delete(f.name);
  return [...all].filter((name) => writable(byName.get(name) as FeatureDef)).sort();
}
