/**
 * The camera's feature values and its manufacturer register file. Values live by feature name;
 * registers are only a big-endian view of them (4-byte integers/enumerations/booleans/commands,
 * 8-byte doubles and 64-bit integers). Writes are validated as the camera firmware would: access,
 * locks, enumeration entries, range and increment — a refused write throws `DeviceAccessError` with
 * the GVCP status the client will see and a message that says what is allowed.
 */
import { DeviceAccessError } from '../device-model';
import { GvcpStatus } from '../../gvcp/protocol';
import { FeatureDef, LockCondition } from './feature-types';
import { features, MappedFeature } from './features';

export type FeatureValue = number | bigint;

/** The GVCP statuses a refused access is answered with. */
export const Status = GvcpStatus;

/** How the model gives a feature behaviour beyond storing a value. */
export interface FeatureBehaviour {
  /** A computed value (read-only state, or a value that reflects another setting). */
  read?(): FeatureValue;
  /** Limits that depend on other settings. */
  limits?(): { min?: number; max?: number };
  /** Replaces storing (commands, values kept elsewhere). May throw DeviceAccessError. */
  write?(value: FeatureValue): void;
  /** Runs after a value was stored. */
  changed?(value: FeatureValue): void;
}

export function refuse(status: number, message: string): never {
  throw new DeviceAccessError(status, message);
}

export class FeatureStore {
  private readonly values = new Map<string, FeatureValue>();
  private readonly behaviours = new Map<string, FeatureBehaviour>();
  private readonly byAddress = new Map<number, MappedFeature>();
  /** High words of 8-byte registers written with WRITEREG, committed by the low word. */
  private readonly pendingHigh = new Map<number, number>();

  constructor() {
    for (const f of features) {
      if (f.address !== undefined) this.byAddress.set(f.address, f);
    }
    this.resetToDefaults();
  }

  resetToDefaults(): void {
    this.values.clear();
    for (const f of features) {
      if (f.storage.kind === 'model' && f.default !== undefined) this.values.set(f.name, defaultValue(f));
    }
  }

  behave(name: string, behaviour: FeatureBehaviour): void {
    featureDef(name);
    this.behaviours.set(name, { ...this.behaviours.get(name), ...behaviour });
  }

  /** Current value (numbers; 64-bit features as bigint). */
  value(name: string): FeatureValue {
    const behaviour = this.behaviours.get(name);
    if (behaviour?.read) return behaviour.read();
    return this.stored(name);
  }

  get(name: string): number {
    return Number(this.value(name));
  }

  getBigInt(name: string): bigint {
    return BigInt(this.value(name));
  }

  /** The stored value, ignoring any computed reading (e.g. OffsetX while centred). */
  stored(name: string): FeatureValue {
    const f = featureDef(name);
    const key = this.key(f);
    const v = this.values.get(key) ?? this.values.get(f.name);
    if (v !== undefined) return v;
    return f.default !== undefined ? defaultValue(f) : f.wide ? 0n : 0;
  }

  /** Store without validation: the camera itself changes a value (auto functions, clamping). */
  setInternal(name: string, value: FeatureValue): void {
    this.values.set(this.key(featureDef(name)), value);
  }

  /** Store a value for a given selector entry regardless of the selector's current value. */
  setSelected(name: string, selectorValue: number, value: FeatureValue): void {
    this.values.set(`${name}#${selectorValue}`, value);
  }

  storedSelected(name: string, selectorValue: number): FeatureValue {
    return this.values.get(`${name}#${selectorValue}`) ?? this.stored(name);
  }

  /** A host write by feature name: validated, then stored or handed to the behaviour. */
  set(name: string, value: FeatureValue): void {
    const f = featureDef(name);
    if (f.access === 'RO') refuse(Status.WRITE_PROTECT, `${name} is read-only`);
    const lock = this.lockReason(f);
    if (lock) refuse(Status.WRITE_PROTECT, `${name} is locked: ${lock}`);
    const checked = this.validate(f, value);
    const behaviour = this.behaviours.get(name);
    if (behaviour?.write) {
      behaviour.write(checked);
      return;
    }
    this.values.set(this.key(f), checked);
    behaviour?.changed?.(checked);
  }

  limits(f: FeatureDef): { min?: number; max?: number } {
    const dynamic = this.behaviours.get(f.name)?.limits?.() ?? {};
    return { min: dynamic.min ?? f.min, max: dynamic.max ?? f.max };
  }

  /** Why a feature is locked now, or null. */
  lockReason(f: FeatureDef): string | null {
    for (const condition of f.locked ?? []) {
      const reason = this.conditionHolds(condition);
      if (reason) return reason;
    }
    return null;
  }

  private conditionHolds(condition: LockCondition): string | null {
    if ('tlParams' in condition) {
      if (this.get('AcquisitionStatus') === 1) return 'acquisition is running (AcquisitionStop first)';
      if (this.get('TLParamsLocked') === 1) return 'TLParamsLocked is 1 (the host is streaming)';
      return null;
    }
    const current = this.get(condition.feature);
    const shown = featureDef(condition.feature).entries?.find((e) => e.value === current)?.name ?? String(current);
    if ('equals' in condition && current === condition.equals) return `${condition.feature} is ${shown}`;
    if ('notEquals' in condition && current !== condition.notEquals) return `${condition.feature} is ${shown}`;
    return null;
  }

  private validate(f: FeatureDef, value: FeatureValue): FeatureValue {
    const invalid = (allowed: string): never =>
      refuse(Status.INVALID_PARAMETER, `${f.name}: ${String(value)} is not allowed; allowed ${allowed}`);
    switch (f.kind) {
      case 'boolean':
        if (value !== 0 && value !== 1) invalid('0 (false) or 1 (true)');
        return value;
      case 'command':
        return value;
      case 'enumeration': {
        const entries = f.entries ?? [];
        if (!entries.some((e) => e.value === Number(value))) invalid(entries.map((e) => `${e.name}=${e.value}`).join(', '));
        return Number(value);
      }
      case 'float': {
        const { min, max } = this.limits(f);
        const v = Number(value);
        if (!Number.isFinite(v) || (min !== undefined && v < min) || (max !== undefined && v > max))
          invalid(`${min} … ${max}${f.unit ? ` ${f.unit}` : ''}`);
        return v;
      }
      case 'integer': {
        const { min, max } = this.limits(f);
        if (f.wide) {
          const v = BigInt(value);
          if (min !== undefined && v < BigInt(min)) invalid(`≥ ${min}`);
          return v;
        }
        const v = Number(value);
        const inc = f.inc ?? 1;
        const outOfRange = (min !== undefined && v < min) || (max !== undefined && v > max);
        if (!Number.isInteger(v) || outOfRange || (v - (min ?? 0)) % inc !== 0) {
          invalid(`${min} … ${max}${inc > 1 ? ` in steps of ${inc}` : ''}${f.unit ? ` ${f.unit}` : ''}`);
        }
        return v;
      }
      default:
        return value;
    }
  }

  private key(f: FeatureDef): string {
    return f.selectedBy ? `${f.name}#${this.get(f.selectedBy)}` : f.name;
  }

  // ---- register view -------------------------------------------------------------------------

  /** The feature whose register covers `address` (4-byte granularity), with the offset into it. */
  private locate(address: number): { f: MappedFeature; offset: number } | null {
    const exact = this.byAddress.get(address);
    if (exact) return { f: exact, offset: 0 };
    const wide = this.byAddress.get(address - 4);
    if (wide && wide.storage.kind === 'model' && wide.storage.length === 8) return { f: wide, offset: 4 };
    return null;
  }

  hasRegister(address: number): boolean {
    return this.locate(address) !== null;
  }

  readRegister(address: number): number {
    const found = this.locate(address);
    if (!found) refuse(Status.INVALID_ADDRESS, `no register at 0x${address.toString(16)}`);
    return this.encode(found.f).readUInt32BE(found.offset);
  }

  writeRegister(address: number, value: number): void {
    const found = this.locate(address);
    if (!found) refuse(Status.INVALID_ADDRESS, `no register at 0x${address.toString(16)}`);
    const { f, offset } = found;
    if (f.storage.kind === 'model' && f.storage.length === 8) {
      if (offset === 0) {
        this.pendingHigh.set(f.address as number, value >>> 0);
        return;
      }
      const bytes = this.encode(f);
      bytes.writeUInt32BE(this.pendingHigh.get(f.address as number) ?? bytes.readUInt32BE(0), 0);
      this.pendingHigh.delete(f.address as number);
      bytes.writeUInt32BE(value >>> 0, 4);
      this.set(f.name, this.decode(f, bytes));
      return;
    }
    this.set(f.name, this.decode(f, u32(value)));
  }

  /** Byte view of a whole register (for READMEM of an 8-byte register or a run of registers). */
  encode(f: MappedFeature): Buffer {
    const length = f.storage.kind === 'model' ? f.storage.length : 4;
    const out = Buffer.alloc(length);
    if (f.kind === 'command') return out;
    const v = this.value(f.name);
    if (f.kind === 'float') out.writeDoubleBE(Number(v), 0);
    else if (length === 8) out.writeBigUInt64BE(BigInt.asUintN(64, BigInt(v)), 0);
    else out.writeUInt32BE(Number(v) >>> 0, 0);
    return out;
  }

  decode(f: MappedFeature, bytes: Buffer): FeatureValue {
    if (f.kind === 'float') return bytes.readDoubleBE(0);
    if (bytes.length === 8) return f.wide ? bytes.readBigUInt64BE(0) : Number(bytes.readBigUInt64BE(0));
    return bytes.readUInt32BE(0);
  }

  /** Registers touched by a memory access of `length` bytes at `address` (for READMEM/WRITEMEM). */
  registersIn(address: number, length: number): MappedFeature[] {
    const out: MappedFeature[] = [];
    for (let a = address; a < address + length; a += 4) {
      const found = this.locate(a);
      if (!found) refuse(Status.INVALID_ADDRESS, `no register at 0x${a.toString(16)}`);
      if (found.offset === 0) out.push(found.f);
    }
    return out;
  }
}

function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value >>> 0, 0);
  return b;
}

export function featureDef(name: string): MappedFeature {
  const f = features.find((x) => x.name === name);
  if (!f) throw new Error(`no feature named ${name}`);
  return f;
}

export function defaultValue(f: FeatureDef): FeatureValue {
  const d = f.default;
  if (typeof d === 'bigint') return d;
  if (typeof d === 'boolean') return d ? 1 : 0;
  if (typeof d === 'string') {
    const entry = f.entries?.find((e) => e.name === d);
    if (!entry) throw new Error(`${f.name}: default ${d} is not an entry`);
    return entry.value;
  }
  if (d === undefined) return f.wide ? 0n : 0;
  return f.wide ? BigInt(d) : d;
}
