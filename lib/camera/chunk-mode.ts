/**
 * Switching a camera's chunk data on (manual 5.15): ChunkModeActive, and ChunkEnable for each
 * ChunkSelector entry. Both are locked while the camera streams (TLParamsLocked), so a camera that
 * is acquiring is stopped for the change and started again — the caller is told, to say so.
 */
import type { Camera } from './camera';

export interface ChunkModeChange {
  /** e.g. ['ChunkModeActive false → true', 'ChunkEnable[Gain] false → true']; empty when all was on. */
  changes: string[];
  /** Acquisition was stopped and started again for the change. */
  restarted: boolean;
}

/** The ChunkSelector entries the camera offers (ExposureTime, Gain on the DMK 38GX541-a). */
export async function chunkSelectorEntries(camera: Camera): Promise<string[]> {
  if (!camera.nodeMap.has('ChunkSelector')) return [];
  const description = await camera.nodeMap.describe('ChunkSelector');
  return (description.entries ?? []).filter((e) => e.available).map((e) => e.name);
}

/** Runs as one turn on the camera (selector, then the selected enable). */
export function enableChunkMode(camera: Camera): Promise<ChunkModeChange> {
  return camera.serialized(async () => {
    const entries = await chunkSelectorEntries(camera);
    const wanted: Array<[string, string | null]> = [
      ['ChunkModeActive', null],
      ...entries.map((entry): [string, string] => ['ChunkEnable', entry]),
    ];
    const missing: Array<[string, string | null]> = [];
    for (const [feature, entry] of wanted) {
      if (entry !== null) await camera.set('ChunkSelector', entry);
      if ((await camera.get(feature)) !== true) missing.push([feature, entry]);
    }
    if (missing.length === 0) return { changes: [], restarted: false };
    const restarted = camera.acquiring;
    if (restarted) await camera.stopAcquisition();
    const changes: string[] = [];
    try {
      for (const [feature, entry] of missing) {
        if (entry !== null) await camera.set('ChunkSelector', entry);
        await camera.set(feature, true);
        changes.push(`${feature}${entry !== null ? `[${entry}]` : ''} false → true`);
      }
    } finally {
      if (restarted) await camera.startAcquisition();
    }
    return { changes, restarted };
  });
}
