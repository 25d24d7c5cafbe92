/**
 * Whether a camera acts on a kind of trigger (TriggerMode=On and a TriggerSource that accepts it,
 * manual 5.4.1 / 5.4.5 / 5.13), and switching it there when a node is told to — never silently:
 * the caller gets what changed, to say so in the log and the status.
 */
import type { Camera } from '../lib/camera/camera';
import { GigeError } from '../lib/errors';
import type { Translate } from './i18n';

export type TriggerKind = 'Software' | 'Action0';

export interface TriggerModeChange {
  /** e.g. ['TriggerSource Line1 → Software', 'TriggerMode Off → On']; empty when nothing changed. */
  changes: string[];
}

/**
 * Checks (cached reads, cheap) and, with `switchMode`, sets TriggerSource and TriggerMode so that
 * triggers of `kind` expose frames. Without `switchMode` a camera that would ignore them is
 * refused with NOT_TRIGGER_MODE, saying what it is set to and both ways out.
 * Run inside `camera.serialized` by the caller when it fires triggers right after.
 */
export async function ensureTriggerMode(camera: Camera, kind: TriggerKind, switchMode: boolean, t: Translate): Promise<TriggerModeChange> {
  const source = String(await camera.get('TriggerSource'));
  const mode = String(await camera.get('TriggerMode'));
  const sourceOk = source === kind || source === 'Any';
  if (sourceOk && mode === 'On') return { changes: [] };
  if (!switchMode) {
    throw new GigeError('NOT_TRIGGER_MODE', t('errors.notTriggerMode', { camera: camera.address, mode, source, kind }), {
      camera: camera.address,
      TriggerMode: mode,
      TriggerSource: source,
      wanted: kind,
    });
  }
  const changes: string[] = [];
  if (!sourceOk) {
    await camera.set('TriggerSource', kind);
    changes.push(`TriggerSource ${source} → ${kind}`);
  }
  if (mode !== 'On') {
    await camera.set('TriggerMode', 'On');
    changes.push(`TriggerMode ${mode} → On`);
    if (camera.acquiring) await freeRunningFrameEnd(camera);
  }
  return { changes };
}

/** Longest wait for the free-running frame in flight, whatever the camera reports. */
const MAX_FRAME_WAIT_MS = 2000;

/**
 * A camera switched to trigger mode while acquiring finishes the free-running frame it is exposing
 * and reading out; a trigger in that time is missed (FrameTriggerMissed, manual 5.4). So the first
 * trigger after a switch would be lost: wait one frame time — the longer of the frame period and
 * the exposure — before the caller fires.
 */
async function freeRunningFrameEnd(camera: Camera): Promise<void> {
  const read = async (name: string): Promise<number> => {
    try {
      return Number(await camera.get(name));
    } catch {
      return 0; // a camera without the feature: the other bound decides
    }
  };
  const frameRate = await read('AcquisitionFrameRate');
  const periodMs = frameRate > 0 ? 1000 / frameRate : 0;
  const exposureMs = (await read('ExposureTime')) / 1000;
  const waitMs = Math.min(MAX_FRAME_WAIT_MS, Math.max(periodMs, exposureMs) + 5);
  await new Promise((resolve) => setTimeout(resolve, waitMs));
}
