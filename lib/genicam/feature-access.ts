import { GigeError, GigeErrorCode } from '../errors';
import { MaybePromise, then } from './maybe-async';
import { Num } from './formula';
import { coerceUserFloat, coerceUserInteger, describeUserValue, toPublicInteger, PublicInteger } from './numbers';
import { AccessMode, GenNode, canRead, canWrite, wrongType } from './nodes/node';
import { IntegerNode, FloatNode } from './nodes/numeric';
import { EnumEntryNode, EnumerationNode } from './nodes/enumeration';
import { BooleanNode, CommandNode, StringNode } from './nodes/simple';
import { RawRegisterNode, StringRegNode } from './nodes/registers';
import { RegisterNode } from './nodes/register';
import { ConverterNode, SwissKnifeNode } from './nodes/formula-nodes';

/**
 * What `getValue` returns and `setValue` accepts: Integer → number (bigint beyond ±2^53),
 * Float → number, Enumeration → entry name, Boolean → boolean, String → string, Register → Buffer.
 */
export type FeatureValue = PublicInteger | string | boolean | Buffer;

export function unitOf(node: GenNode): string | undefined {
  return (node as { unit?: string }).unit;
}

/** Reads a feature's value in its user-facing form (access is checked by the caller). */
export function readFeatureValue(node: GenNode): MaybePromise<FeatureValue> {
  if (node instanceof EnumerationNode) return then(node.readEntry(), (entry) => entry.symbolic);
  if (node instanceof BooleanNode) return node.readBoolean();
  if (node instanceof StringNode || node instanceof StringRegNode) return node.readString();
  if (node instanceof RawRegisterNode) return node.readRaw();
  if (node instanceof CommandNode) throw wrongType(node, 'it has no value to read; use execute() (and isDone())');
  if (node.numeric === 'integer') return then(node.readNumber(), (value) => toPublicInteger(value as bigint));
  if (node.numeric === 'float') return then(node.readNumber(), (value) => Number(value));
  throw wrongType(node, 'it has no value');
}

/** Why an operation is refused, as one sentence naming the condition (or undefined when allowed). */
export async function refusal(node: GenNode, wanted: 'read' | 'write'): Promise<GigeError | undefined> {
  const access = await node.access(wanted === 'read' ? 'forRead' : 'exact');
  if (wanted === 'read' ? canRead(access) : canWrite(access)) return undefined;
  const reason = await explain(node, access, wanted);
  return new GigeError(reason.code, `${node.name}: ${reason.text}`, { feature: node.name, access, ...reason.details });
}

interface Reason {
  code: GigeErrorCode;
  text: string;
  details?: Record<string, unknown>;
}

async function conditionText(condition: GenNode): Promise<string> {
  const formula = condition instanceof SwissKnifeNode ? ` (${condition.formula.source})` : '';
  let value = '';
  try {
    value = condition instanceof BooleanNode ? String(await condition.readBoolean()) : String(await condition.readNumber());
  } catch {
    value = 'unreadable';
  }
  return `${condition.name}${formula} is ${value}`;
}

/** For a formula condition: the inputs that are currently non-zero, e.g. `TLParamsLocked = 1`. */
async function activeCauses(condition: GenNode): Promise<string[]> {
  if (!(condition instanceof SwissKnifeNode)) return [];
  const causes: string[] = [];
  for (const input of condition.variableNodes()) {
    try {
      const raw = await input.readNumber();
      if (raw === 0n || raw === 0) continue;
      const shown =
        input instanceof EnumerationNode
          ? (await input.readEntry()).symbolic
          : String(typeof raw === 'bigint' ? toPublicInteger(raw) : raw);
      causes.push(`${input.name} = ${shown}`);
    } catch {
      // An unreadable input just is not named.
    }
  }
  return causes;
}

async function explain(node: GenNode, access: AccessMode, wanted: 'read' | 'write'): Promise<Reason> {
  if (access === 'NI') {
    const condition = node.isImplementedRef ? ` (${await conditionText(node.isImplementedRef.node)})` : '';
    return { code: 'FEATURE_NOT_IMPLEMENTED', text: `not implemented by this device${condition}` };
  }
  if (node.isAvailableRef && !(await node.isAvailableRef.node.readCondition())) {
    return {
      code: 'FEATURE_NOT_AVAILABLE',
      text: `not available while ${await conditionText(node.isAvailableRef.node)}`,
      details: { condition: node.isAvailableRef.name },
    };
  }
  if (wanted === 'write' && node.isLockedRef && (await node.isLockedRef.node.readCondition())) {
    const lock = node.isLockedRef.node;
    const causes = await activeCauses(lock);
    const because = causes.length > 0 ? ` (${causes.join(', ')})` : '';
    return {
      code: 'FEATURE_LOCKED',
      text: `locked by ${lock.name}${because}; allowed again when ${lock.name} is 0`,
      details: { lockedBy: lock.name, causes },
    };
  }
  if (access === 'NA') {
    const inner = await innerReason(node, wanted);
    if (inner) return inner;
    return { code: 'FEATURE_NOT_AVAILABLE', text: 'not available now' };
  }
  if (wanted === 'write') {
    const imposed = node.imposedAccess === 'RO' ? ' (ImposedAccessMode RO)' : '';
    return { code: 'FEATURE_NOT_WRITABLE', text: `is read-only${imposed}` };
  }
  return { code: 'FEATURE_NOT_READABLE', text: 'is write-only' };
}

/** For NA that comes from further down: the pointed-to node, or a chunk/event port without data. */
async function innerReason(node: GenNode, wanted: 'read' | 'write'): Promise<Reason | undefined> {
  if (node instanceof RegisterNode) {
    const why = node.port ? await node.port.unavailableReason() : 'the register has no port';
    return why ? { code: 'FEATURE_NOT_AVAILABLE', text: `not available: ${why}` } : undefined;
  }
  let target: GenNode | undefined;
  if (
    node instanceof IntegerNode ||
    node instanceof FloatNode ||
    node instanceof EnumerationNode ||
    node instanceof BooleanNode ||
    node instanceof CommandNode
  ) {
    target = await node.source.target();
  } else if (node instanceof ConverterNode) {
    target = node.valueRef.node;
  } else if (node instanceof StringNode) {
    target = node.pointer?.node;
  }
  if (!target) return undefined;
  const access = await target.access();
  if (access !== 'NA' && access !== 'NI') return undefined;
  const reason = await explain(target, access, wanted);
  return { ...reason, text: `${reason.text.startsWith('not') ? '' : 'not available: '}${reason.text} (${target.name})` };
}

function rangeText(min: Num | undefined, max: Num | undefined, inc: Num | undefined, unit: string | undefined): string {
  const show = (value: Num): string => (typeof value === 'bigint' ? String(toPublicInteger(value)) : String(value));
  const parts: string[] = [];
  if (min !== undefined && max !== undefined) parts.push(`${show(min)}…${show(max)}`);
  else if (min !== undefined) parts.push(`≥ ${show(min)}`);
  else if (max !== undefined) parts.push(`≤ ${show(max)}`);
  else parts.push('any value');
  if (inc !== undefined && inc !== 1n && inc !== 0 && inc !== 0n) parts.push(`in steps of ${show(inc)}`);
  if (unit) parts.push(unit);
  return parts.join(' ');
}

async function validateInteger(node: GenNode, value: bigint): Promise<void> {
  const [min, max, inc] = await Promise.all([node.minimum(), node.maximum(), node.increment()]);
  const unit = unitOf(node);
  const allowed = (): string => rangeText(min, max, inc, unit);
  const shown = toPublicInteger(value);
  if ((min !== undefined && value < min) || (max !== undefined && value > max)) {
    throw new GigeError(
      'OUT_OF_RANGE',
      `${node.name}: ${shown} is out of range; allowed ${allowed()}`,
      rangeDetails(node, value, min, max, inc),
    );
  }
  if (min !== undefined && inc !== undefined && typeof inc === 'bigint' && inc > 1n && (value - BigInt(min)) % inc !== 0n) {
    throw new GigeError(
      'OUT_OF_RANGE',
      `${node.name}: ${shown} is not a valid step; allowed ${allowed()}`,
      rangeDetails(node, value, min, max, inc),
    );
  }
}

async function validateFloat(node: GenNode, value: number): Promise<void> {
  const [min, max, inc] = await Promise.all([node.minimum(), node.maximum(), node.increment()]);
  const unit = unitOf(node);
  if (!Number.isFinite(value))
    throw new GigeError('INVALID_VALUE', `${node.name}: ${value} is not a finite number; allowed ${rangeText(min, max, inc, unit)}`, {
      feature: node.name,
    });
  const tolerance = Math.abs(value) * 1e-12;
  if ((min !== undefined && value < Number(min) - tolerance) || (max !== undefined && value > Number(max) + tolerance)) {
    throw new GigeError(
      'OUT_OF_RANGE',
      `${node.name}: ${value} is out of range; allowed ${rangeText(min, max, inc, unit)}`,
      rangeDetails(node, value, min, max, inc),
    );
  }
  if (min !== undefined && inc !== undefined && Number(inc) > 0) {
    const steps = (value - Number(min)) / Number(inc);
    if (Math.abs(steps - Math.round(steps)) > 1e-9 * Math.max(1, Math.abs(steps))) {
      throw new GigeError(
        'OUT_OF_RANGE',
        `${node.name}: ${value} is not a valid step; allowed ${rangeText(min, max, inc, unit)}`,
        rangeDetails(node, value, min, max, inc),
      );
    }
  }
}

function rangeDetails(
  node: GenNode,
  value: Num,
  min: Num | undefined,
  max: Num | undefined,
  inc: Num | undefined,
): Record<string, unknown> {
  const plain = (v: Num | undefined): unknown => (typeof v === 'bigint' ? toPublicInteger(v) : v);
  return { feature: node.name, value: plain(value), min: plain(min), max: plain(max), inc: plain(inc), unit: unitOf(node) };
}

export async function entryAvailable(entry: EnumEntryNode): Promise<boolean> {
  const access = await entry.access();
  return access !== 'NA' && access !== 'NI';
}

export async function implementedEntries(node: EnumerationNode): Promise<EnumEntryNode[]> {
  const result: EnumEntryNode[] = [];
  for (const entry of node.entries) if ((await entry.access()) !== 'NI') result.push(entry);
  return result;
}

async function writeEnumeration(node: EnumerationNode, value: unknown): Promise<void> {
  const entries = await implementedEntries(node);
  const available: EnumEntryNode[] = [];
  for (const entry of entries) if (await entryAvailable(entry)) available.push(entry);
  const names = (list: EnumEntryNode[]): string => list.map((entry) => entry.symbolic).join(', ');
  let entry: EnumEntryNode | undefined;
  if (typeof value === 'string') entry = node.entryByName(value) ?? node.entryByName(value.trim());
  else if (typeof value === 'number' || typeof value === 'bigint') entry = node.entryByValue(coerceUserInteger(node.name, value));
  if (!entry || !entries.includes(entry)) {
    throw new GigeError(
      'INVALID_VALUE',
      `${node.name}: ${describeUserValue(value)} is not one of its entries; allowed ${names(available)}`,
      {
        feature: node.name,
        value: describeUserValue(value),
        allowed: available.map((e) => e.symbolic),
      },
    );
  }
  if (!available.includes(entry)) {
    throw new GigeError('FEATURE_NOT_AVAILABLE', `${node.name}: ${entry.symbolic} is not available now; allowed ${names(available)}`, {
      feature: node.name,
      value: entry.symbolic,
      allowed: available.map((e) => e.symbolic),
    });
  }
  await node.writeEntry(entry);
}

function coerceBoolean(name: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 1 || value === 0 || value === 1n || value === 0n) return value === 1 || value === 1n;
  if (typeof value === 'string') {
    const text = value.trim().toLowerCase();
    if (['true', '1', 'on', 'yes'].includes(text)) return true;
    if (['false', '0', 'off', 'no'].includes(text)) return false;
  }
  throw new GigeError('INVALID_VALUE', `${name}: ${describeUserValue(value)} is not a boolean; allowed true or false`, {
    feature: name,
    value: describeUserValue(value),
  });
}

function coerceBytes(name: string, value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value);
  if (typeof value === 'string') {
    const digits = value.trim().replace(/^0x/i, '').replace(/[\s:]/g, '');
    if (/^([0-9a-fA-F]{2})*$/.test(digits)) return Buffer.from(digits, 'hex');
  }
  throw new GigeError('INVALID_VALUE', `${name}: ${describeUserValue(value)} is not bytes; allowed a Buffer or a hex string`, {
    feature: name,
  });
}

/** Converts, validates and writes a user value (access is checked by the caller). */
export async function writeFeatureValue(node: GenNode, value: unknown): Promise<void> {
  if (node instanceof EnumerationNode) return writeEnumeration(node, value);
  if (node instanceof BooleanNode) return node.writeBoolean(coerceBoolean(node.name, value));
  if (node instanceof StringNode || node instanceof StringRegNode) {
    if (typeof value !== 'string')
      throw new GigeError('INVALID_VALUE', `${node.name}: ${describeUserValue(value)} is not a string; allowed a string`, {
        feature: node.name,
      });
    return node.writeString(value);
  }
  if (node instanceof RawRegisterNode) return node.writeRaw(coerceBytes(node.name, value));
  if (node instanceof CommandNode) throw wrongType(node, 'use execute() to run it');
  if (node.numeric === 'integer') {
    const integer = coerceUserInteger(node.name, value);
    await validateInteger(node, integer);
    return node.writeNumber(integer);
  }
  if (node.numeric === 'float') {
    const number = coerceUserFloat(node.name, value);
    await validateFloat(node, number);
    return node.writeNumber(number);
  }
  throw wrongType(node, 'it has no value to write');
}
