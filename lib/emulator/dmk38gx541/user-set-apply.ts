/**
 * Taking and applying user sets and named settings. Values are stored by feature name in readable
 * form (entry names, true/false), so a user set file can be inspected and edited by hand; an
 * invalid value in it is refused with the feature's allowed values.
 */
import { GigeError } from '../../errors';
import { DeviceAccessError } from '../device-model';
import { GvcpStatus } from '../../gvcp/protocol';
import { FeatureValue, defaultValue } from './feature-store';
import { FeatureDef } from './feature-types';
import { feature, hasFeature } from './features';
import { UserSetValue } from './features-io';
import { LUT_ENTRIES, identityLut } from './transfer';
import { SetValue, SlotName, UserSetData, UserSetMemory, savedFeatures } from './user-sets';
import type { FeatureStore } from './feature-store';
import type { CameraSettings } from './camera-settings';

/** The parts of a camera model that a user set reads and writes (the DMK 38GX541 model is one). */
export interface UserSetModel {
  readonly store: FeatureStore;
  readonly lut: Uint16Array;
  readonly settings: CameraSettings;
  readonly userSets: UserSetMemory;
  setPtpEnabled(enabled: boolean): void;
}

export type SlotOrDefault = 'Default' | SlotName;

export function slotName(value: number): SlotOrDefault {
  const name = (Object.keys(UserSetValue) as SlotOrDefault[]).find((k) => UserSetValue[k] === value);
  if (!name)
    throw new DeviceAccessError(GvcpStatus.INVALID_PARAMETER, `user set ${value} does not exist; allowed Default, UserSet1, UserSet2`);
  return name;
}

function readable(f: FeatureDef, value: FeatureValue): string | number | boolean {
  if (f.kind === 'boolean') return Number(value) === 1;
  if (f.kind === 'enumeration') return f.entries?.find((e) => e.value === Number(value))?.name ?? Number(value);
  return Number(value);
}

/** Converts a readable value (entry name, boolean, number, numeric string) to the stored number. */
export function toStored(f: FeatureDef, value: string | number | boolean): FeatureValue {
  const bad = (allowed: string): never => {
    throw new GigeError('INVALID_VALUE', `${f.name}: ${JSON.stringify(value)} is not allowed; allowed ${allowed}`, {
      feature: f.name,
      value,
    });
  };
  switch (f.kind) {
    case 'boolean':
      if (value === true || value === 'true' || value === 1 || value === '1') return 1;
      if (value === false || value === 'false' || value === 0 || value === '0') return 0;
      return bad('true or false');
    case 'enumeration': {
      const entry = f.entries?.find((e) => e.name === value || e.value === value);
      return entry ? entry.value : bad((f.entries ?? []).map((e) => e.name).join(', '));
    }
    case 'integer':
    case 'float': {
      const n = typeof value === 'number' ? value : Number(value);
      if (typeof value === 'boolean' || !Number.isFinite(n))
        return bad(`a number${f.min !== undefined ? ` ${f.min} … ${f.max ?? ''}` : ''}`);
      return f.wide ? BigInt(Math.round(n)) : n;
    }
    default:
      return bad('a value of a writable feature');
  }
}

function selectorEntries(f: FeatureDef): { name: string; value: number }[] {
  return f.selectedBy ? (feature(f.selectedBy).entries ?? []) : [];
}

export function takeUserSet(model: UserSetModel): UserSetData {
  const data: UserSetData = {};
  for (const f of savedFeatures()) {
    if (f.name === 'LUTValueAll') {
      data.LUTValueAll = Array.from(model.lut);
    } else if (f.selectedBy) {
      const perEntry: Record<string, string | number | boolean> = {};
      for (const e of selectorEntries(f)) perEntry[e.name] = readable(f, model.store.storedSelected(f.name, e.value));
      data[f.name] = perEntry;
    } else {
      data[f.name] = readable(f, model.store.stored(f.name));
    }
  }
  return data;
}

function factoryUserSet(model: UserSetModel): UserSetData {
  const data: UserSetData = {};
  for (const f of savedFeatures()) {
    if (f.name === 'LUTValueAll') data.LUTValueAll = Array.from(identityLut());
    else if (f.selectedBy) data[f.name] = Object.fromEntries(selectorEntries(f).map((e) => [e.name, readable(f, defaultValue(f))]));
    else data[f.name] = readable(f, defaultValue(f));
  }
  void model;
  return data;
}

/** Applies a set: every value is checked against the feature's static range and entries first. */
export function applyUserSet(model: UserSetModel, data: UserSetData, source: string): void {
  const staged: Array<() => void> = [];
  for (const [name, value] of Object.entries(data)) {
    if (!hasFeature(name)) throw new GigeError('USER_SET_INVALID', `${source}: unknown feature ${name}`, { feature: name });
    const f = feature(name);
    if (name === 'LUTValueAll') staged.push(stageLut(model, value, source));
    else if (f.selectedBy) {
      const entries = selectorEntries(f);
      for (const [entryName, v] of Object.entries(value as Record<string, string | number | boolean>)) {
        const entry = entries.find((e) => e.name === entryName);
        if (!entry) throw new GigeError('USER_SET_INVALID', `${source}: ${f.selectedBy} has no entry ${entryName}`, { feature: name });
        const stored = checked(f, v, source);
        staged.push(() => model.store.setSelected(f.name, entry.value, stored));
      }
    } else {
      const stored = checked(f, value as string | number | boolean, source);
      staged.push(() => model.store.setInternal(f.name, stored));
    }
  }
  for (const apply of staged) apply();
  model.settings.lutVersion += 1;
  model.setPtpEnabled(model.store.get('PtpEnable') === 1);
  model.settings.normalize();
}

function checked(f: FeatureDef, value: string | number | boolean, source: string): FeatureValue {
  const stored = toStored(f, value);
  if ((f.kind === 'integer' || f.kind === 'float') && !f.wide) {
    const n = Number(stored);
    if ((f.min !== undefined && n < f.min) || (f.max !== undefined && n > f.max)) {
      throw new GigeError('USER_SET_INVALID', `${source}: ${f.name} ${n} is out of range; allowed ${f.min} … ${f.max}`, {
        feature: f.name,
        value: n,
      });
    }
  }
  return stored;
}

function stageLut(model: UserSetModel, value: SetValue, source: string): () => void {
  if (!Array.isArray(value) || value.length !== LUT_ENTRIES || value.some((v) => !Number.isInteger(v) || v < 0 || v > 65535)) {
    throw new GigeError('USER_SET_INVALID', `${source}: LUTValueAll must be ${LUT_ENTRIES} integers 0 … 65535`, { feature: 'LUTValueAll' });
  }
  return () => model.lut.set(value);
}

export function loadUserSet(model: UserSetModel, slot: SlotOrDefault): void {
  if (slot === 'Default') {
    applyUserSet(model, factoryUserSet(model), 'factory defaults');
    return;
  }
  const data = model.userSets.get(slot);
  if (!data) throw new DeviceAccessError(GvcpStatus.INVALID_PARAMETER, `${slot} is empty; save it with UserSetSave first`);
  applyUserSet(model, data, `user set ${slot}`);
}

export function saveUserSet(model: UserSetModel, slot: SlotName): void {
  model.userSets.save(slot, takeUserSet(model));
}

/** Named settings, applied like host writes (validated, locks honoured) in the given order. */
export function applySettings(model: UserSetModel, settings: Record<string, string | number | boolean>): void {
  for (const [name, value] of Object.entries(settings)) {
    if (!hasFeature(name))
      throw new GigeError('UNKNOWN_FEATURE', `setting ${name}: the DMK 38GX541-a has no such feature`, { feature: name });
    const f = feature(name);
    try {
      model.store.set(name, toStored(f, value));
      model.settings.normalize();
    } catch (err) {
      if (err instanceof DeviceAccessError)
        throw new GigeError('INVALID_VALUE', `setting ${name}=${String(value)}: ${err.message}`, { feature: name, value }, { cause: err });
      throw err;
    }
  }
}
