/**
 * The strobe output of manual §5.7 (pulses on STROBE_OUT synchronised to the exposure) and the
 * general-purpose output of §5.6.2 (the line's level while the strobe is off), as the camera's
 * features StrobeEnable, StrobePolarity, StrobeOperation, StrobeDuration, StrobeDelay and GPOut:
 * what a node or message may ask, checked, and how it goes onto the camera.
 */
import type { Camera } from '../lib/camera/camera';
import type { Translate } from './i18n';
import { checkBoolean, checkChoice, checkKeys, checkNumber, isBlank } from './input-checks';

/** The editor's fields: '' leaves the camera's value; otherwise set on every connect. */
export interface StrobeFields {
  enable?: string;
  polarity?: string;
  operation?: string;
  duration?: unknown;
  delay?: unknown;
  output?: string;
}

/** What a message may set and what the node reads back (msg.payload). */
export interface StrobeSettings {
  enable?: boolean;
  polarity?: 'ActiveHigh' | 'ActiveLow';
  operation?: 'Exposure' | 'FixedDuration';
  /** µs, manual 5.7.4: 0 … 32767 */
  duration?: number;
  /** µs, manual 5.7.5: 0 … 32767 */
  delay?: number;
  /** GPOut: STROBE_OUT high (true) or low while the strobe is off. */
  output?: boolean;
}

export const STROBE_KEYS = ['enable', 'polarity', 'operation', 'duration', 'delay', 'output'] as const;
export const POLARITIES = ['ActiveHigh', 'ActiveLow'] as const;
export const OPERATIONS = ['Exposure', 'FixedDuration'] as const;
/** Manual 5.7.4 / 5.7.5. */
export const STROBE_TIME_US = { min: 0, max: 32767, integer: true, unit: 'µs' };

/** The node's configured settings (blank fields left out), checked like a message's. */
export function configuredSettings(t: Translate, def: StrobeFields): StrobeSettings {
  const settings: StrobeSettings = {};
  if (!isBlank(def.enable)) settings.enable = checkChoice(t, def.enable, 'enable', ['On', 'Off']) === 'On';
  if (!isBlank(def.polarity)) settings.polarity = checkChoice(t, def.polarity, 'polarity', POLARITIES);
  if (!isBlank(def.operation)) settings.operation = checkChoice(t, def.operation, 'operation', OPERATIONS);
  if (!isBlank(def.duration)) settings.duration = checkNumber(t, def.duration, 'duration', STROBE_TIME_US);
  if (!isBlank(def.delay)) settings.delay = checkNumber(t, def.delay, 'delay', STROBE_TIME_US);
  if (!isBlank(def.output)) settings.output = checkChoice(t, def.output, 'output', ['high', 'low']) === 'high';
  return settings;
}

/** msg.payload as strobe settings: an object of known keys, each of the right type and range. */
export function messageSettings(t: Translate, payload: unknown): StrobeSettings {
  const given = checkKeys(t, payload, 'msg.payload', STROBE_KEYS);
  const settings: StrobeSettings = {};
  if (given.enable !== undefined) settings.enable = checkBoolean(t, given.enable, 'msg.payload.enable');
  if (given.polarity !== undefined) settings.polarity = checkChoice(t, given.polarity, 'msg.payload.polarity', POLARITIES);
  if (given.operation !== undefined) settings.operation = checkChoice(t, given.operation, 'msg.payload.operation', OPERATIONS);
  if (given.duration !== undefined) settings.duration = checkNumber(t, given.duration, 'msg.payload.duration', STROBE_TIME_US);
  if (given.delay !== undefined) settings.delay = checkNumber(t, given.delay, 'msg.payload.delay', STROBE_TIME_US);
  if (given.output !== undefined) settings.output = checkBoolean(t, given.output, 'msg.payload.output');
  return settings;
}

/** Writes `settings` (the pulse's shape first, the enable last, so the first pulse has it), then reads back. */
export async function applyStrobe(camera: Camera, settings: StrobeSettings): Promise<Required<StrobeSettings>> {
  return camera.serialized(async () => {
    if (settings.polarity !== undefined) await camera.set('StrobePolarity', settings.polarity);
    if (settings.operation !== undefined) await camera.set('StrobeOperation', settings.operation);
    if (settings.duration !== undefined) await camera.set('StrobeDuration', settings.duration);
    if (settings.delay !== undefined) await camera.set('StrobeDelay', settings.delay);
    if (settings.output !== undefined) await camera.set('GPOut', settings.output);
    if (settings.enable !== undefined) await camera.set('StrobeEnable', settings.enable ? 'On' : 'Off');
    return {
      enable: (await camera.get('StrobeEnable')) === 'On',
      polarity: (await camera.get('StrobePolarity')) as StrobeSettings['polarity'] & string,
      operation: (await camera.get('StrobeOperation')) as StrobeSettings['operation'] & string,
      duration: Number(await camera.get('StrobeDuration')),
      delay: Number(await camera.get('StrobeDelay')),
      output: Boolean(await camera.get('GPOut')),
    };
  });
}
