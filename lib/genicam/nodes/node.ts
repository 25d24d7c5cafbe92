import { GigeError } from '../../errors';
import { MaybePromise, then } from '../maybe-async';
import { Num } from '../formula';
import { parseXmlInteger } from '../numbers';
import { XmlElement, childText, childTexts } from '../xml/element';
import type { DeviceAccess } from '../device-access';

export type AccessMode = 'RW' | 'RO' | 'WO' | 'NA' | 'NI';

/**
 * What an access mode is asked for. 'forRead' skips pIsLocked (here and in the nodes behind):
 * a lock only takes writing away (RW → RO, WO → NA), so it never changes whether a value can be
 * read — and its condition is typically NoCache (TLParamsLocked, AcquisitionStatus), a round trip
 * per read of every lockable feature otherwise.
 */
export type AccessQuery = 'exact' | 'forRead';
export type Visibility = 'Beginner' | 'Expert' | 'Guru' | 'Invisible';
export type CachingMode = 'WriteThrough' | 'WriteAround' | 'NoCache';
/** The interface a node offers to users (GenApi's IInteger, IFloat, …), independent of its XML element. */
export type FeatureType =
  'Category' | 'Integer' | 'Float' | 'Enumeration' | 'EnumEntry' | 'Boolean' | 'Command' | 'String' | 'Register' | 'Port' | 'Node';

/**
 * How one node refers to another. `value` and `address` edges are followed to compute a value, so
 * they must not form a cycle; `value` edges also carry the value itself (used to find the
 * registers behind a feature when its cache must be dropped).
 */
export type EdgeKind = 'value' | 'address' | 'property' | 'condition' | 'invalidator' | 'selected' | 'feature' | 'port';

export const VISIBILITIES: readonly Visibility[] = ['Beginner', 'Expert', 'Guru', 'Invisible'];

export interface EvaluationEdge {
  target: GenNode;
  role: string;
}

/** A named reference, resolved to its node once every node exists. */
export class Ref {
  node!: GenNode;
  constructor(
    readonly owner: GenNode,
    readonly role: string,
    readonly name: string,
    readonly kind: EdgeKind,
  ) {}
}

/** What nodes need from the node map they live in. */
export interface NodeContext {
  readonly legacyEndianness: boolean;
  readonly commandTimeoutMs: number;
  /** A node's value changed (written, or its data arrived): drop dependent caches, notify. */
  changed(node: GenNode): void;
  /** Drop the cached register bytes behind `node` so the next read asks the device. */
  dropCaches(node: GenNode): void;
  deviceAccess(portName: string): DeviceAccess | undefined;
  chunkData(chunkId: number): Buffer | undefined;
  readonly chunkAttached: boolean;
  eventData(eventId: number): Buffer | undefined;
  /** Creates (and records, for linking) a reference. */
  makeRef(owner: GenNode, role: string, name: string, kind: EdgeKind): Ref;
  /** Registers a node that lives inside another element (EnumEntry, StructEntry, inline IntSwissKnife). */
  adopt(node: GenNode): void;
}

const ACCESS_CODES: Record<AccessMode, bigint> = { NI: 0n, NA: 1n, WO: 2n, RO: 3n, RW: 4n };
const VISIBILITY_CODES: Record<Visibility, bigint> = { Beginner: 0n, Expert: 1n, Guru: 2n, Invisible: 3n };
const CACHING_CODES: Record<CachingMode, bigint> = { NoCache: 0n, WriteThrough: 1n, WriteAround: 2n };

export function canRead(access: AccessMode): boolean {
  return access === 'RO' || access === 'RW';
}

export function canWrite(access: AccessMode): boolean {
  return access === 'WO' || access === 'RW';
}

/** ImposedAccessMode narrows what the node itself allows. */
export function imposeAccess(base: AccessMode, imposed: AccessMode | undefined): AccessMode {
  if (!imposed || imposed === 'RW' || base === 'NA' || base === 'NI') return base;
  if (imposed === 'RO') return base === 'WO' ? 'NA' : 'RO';
  if (imposed === 'WO') return base === 'RO' ? 'NA' : 'WO';
  return imposed;
}

/** Both must allow an operation for the combination to allow it. */
export function intersectAccess(a: AccessMode, b: AccessMode): AccessMode {
  if (a === 'NI' || b === 'NI') return 'NI';
  if (a === 'NA' || b === 'NA') return 'NA';
  const read = canRead(a) && canRead(b);
  const write = canWrite(a) && canWrite(b);
  return read && write ? 'RW' : read ? 'RO' : write ? 'WO' : 'NA';
}

export function wrongType(node: GenNode, what: string): GigeError {
  return new GigeError('WRONG_TYPE', `${node.name} is ${article(node.nodeType)} ${node.nodeType}; ${what}`, {
    feature: node.name,
    type: node.nodeType,
  });
}

function article(word: string): string {
  return /^[AEIOU]/.test(word) ? 'an' : 'a';
}

export abstract class GenNode {
  abstract get type(): FeatureType;

  /** 'integer' or 'float' when the node has a numeric value usable by pointers and formulas. */
  get numeric(): 'integer' | 'float' | undefined {
    return undefined;
  }

  readonly name: string;
  readonly nodeType: string;
  readonly visibility: Visibility;
  readonly imposedAccess: AccessMode | undefined;
  readonly pollingTime: number | undefined;
  readonly refs: Ref[] = [];
  readonly isImplementedRef: Ref | undefined;
  readonly isAvailableRef: Ref | undefined;
  readonly isLockedRef: Ref | undefined;
  readonly invalidatorRefs: Ref[];
  readonly selectedRefs: Ref[];
  /** Selectors whose pSelected lists this node (filled in when linking). */
  readonly selectedBy: GenNode[] = [];

  constructor(
    readonly element: XmlElement,
    protected readonly ctx: NodeContext,
    name?: string,
  ) {
    this.name = name ?? element.attrs.Name;
    this.nodeType = element.tag;
    const visibility = childText(element, 'Visibility') as Visibility | undefined;
    this.visibility = visibility && VISIBILITIES.includes(visibility) ? visibility : 'Beginner';
    const imposed = childText(element, 'ImposedAccessMode');
    this.imposedAccess = imposed === 'RO' || imposed === 'WO' || imposed === 'RW' ? imposed : undefined;
    const polling = childText(element, 'PollingTime');
    this.pollingTime = polling === undefined ? undefined : Number(parseXmlInteger(polling) ?? NaN) || undefined;
    this.isImplementedRef = this.optionalRef('pIsImplemented', 'condition');
    this.isAvailableRef = this.optionalRef('pIsAvailable', 'condition');
    this.isLockedRef = this.optionalRef('pIsLocked', 'condition');
    this.invalidatorRefs = childTexts(element, 'pInvalidator').map((target) => this.ref('pInvalidator', target, 'invalidator'));
    this.selectedRefs = childTexts(element, 'pSelected').map((target) => this.ref('pSelected', target, 'selected'));
  }

  // Descriptive elements are read on demand: a large file has tens of thousands of nodes and
  // most of these are never looked at.
  get namespace(): 'Standard' | 'Custom' {
    return this.element.attrs.NameSpace === 'Standard' ? 'Standard' : 'Custom';
  }

  get displayName(): string | undefined {
    return childText(this.element, 'DisplayName');
  }

  get toolTip(): string | undefined {
    return childText(this.element, 'ToolTip');
  }

  get description(): string | undefined {
    return childText(this.element, 'Description');
  }

  get isDeprecated(): boolean {
    return childText(this.element, 'IsDeprecated') === 'Yes';
  }

  get docuUrl(): string | undefined {
    return childText(this.element, 'DocuURL');
  }

  get streamable(): boolean {
    return childText(this.element, 'Streamable') === 'Yes';
  }

  get eventIdText(): string | undefined {
    return childText(this.element, 'EventID');
  }

  protected ref(role: string, name: string, kind: EdgeKind): Ref {
    const ref = this.ctx.makeRef(this, role, name, kind);
    this.refs.push(ref);
    return ref;
  }

  protected optionalRef(tag: string, kind: EdgeKind): Ref | undefined {
    const target = childText(this.element, tag);
    return target === undefined || target === '' ? undefined : this.ref(tag, target, kind);
  }

  /**
   * What computing this node's value may evaluate: its value and address references. (Formula
   * nodes add the references behind a `Name.Min`-style property they read.) These must be acyclic.
   */
  evaluationEdges(): EvaluationEdge[] {
    return this.refs.filter((ref) => ref.kind === 'value' || ref.kind === 'address').map((ref) => ({ target: ref.node, role: ref.role }));
  }

  /** Checked once every reference is resolved: is each target of a usable kind? */
  validateLinks(): void {
    for (const ref of [this.isImplementedRef, this.isAvailableRef, this.isLockedRef]) {
      if (ref) requireNumeric(ref, 'an integer or boolean node');
    }
  }

  /** What the node allows before pIsImplemented / pIsAvailable / pIsLocked / ImposedAccessMode. */
  baseAccess(_query: AccessQuery = 'exact'): MaybePromise<AccessMode> {
    return 'RO';
  }

  /** Effective access mode: NI, NA, or what the node and the conditions on it allow. */
  access(query: AccessQuery = 'exact'): MaybePromise<AccessMode> {
    return then(this.isImplementedRef ? this.isImplementedRef.node.readCondition() : true, (implemented) => {
      if (!implemented) return 'NI';
      return then(this.isAvailableRef ? this.isAvailableRef.node.readCondition() : true, (available): MaybePromise<AccessMode> => {
        if (!available) return 'NA';
        return then(this.baseAccess(query), (base) => {
          const access = imposeAccess(base, this.imposedAccess);
          if (!this.isLockedRef || query === 'forRead' || access === 'NA' || access === 'NI' || access === 'RO') return access;
          return then(this.isLockedRef.node.readCondition(), (locked) => (locked ? (access === 'RW' ? 'RO' : 'NA') : access));
        });
      });
    });
  }

  readNumber(): MaybePromise<Num> {
    throw wrongType(this, 'it has no numeric value');
  }

  writeNumber(_value: Num): MaybePromise<void> {
    throw wrongType(this, 'it has no numeric value to write');
  }

  /** A condition (pIsAvailable, pIsLocked, …) holds when the value is non-zero. */
  readCondition(): MaybePromise<boolean> {
    return then(this.readNumber(), (value) => value !== 0n && value !== 0);
  }

  minimum(): MaybePromise<Num | undefined> {
    return undefined;
  }

  maximum(): MaybePromise<Num | undefined> {
    return undefined;
  }

  increment(): MaybePromise<Num | undefined> {
    return undefined;
  }

  cachingMode(): CachingMode | undefined {
    return undefined;
  }

  /** `Name.Max`, `Name.AccessMode`, … as a formula variable. */
  readProperty(property: string): MaybePromise<Num> {
    switch (property) {
      case 'Value':
        return this.readNumber();
      case 'Min':
      case 'Max':
      case 'Inc': {
        const value = property === 'Min' ? this.minimum() : property === 'Max' ? this.maximum() : this.increment();
        return then(value, (resolved) => {
          if (resolved === undefined) throw wrongType(this, `it has no ${property}`);
          return resolved;
        });
      }
      case 'AccessMode':
        return then(this.access(), (access) => ACCESS_CODES[access]);
      case 'Visibility':
        return VISIBILITY_CODES[this.visibility];
      case 'CachingMode':
        return CACHING_CODES[this.cachingMode() ?? 'NoCache'];
    }
    throw new GigeError(
      'FORMULA_UNKNOWN_VARIABLE',
      `${this.name}: unknown property '${property}'; allowed Value, Min, Max, Inc, AccessMode, Visibility, CachingMode${this.type === 'Enumeration' ? ', Entry.<name>' : ''}`,
      { feature: this.name, property },
    );
  }
}

export function requireNumeric(ref: Ref, expected: string): void {
  if (ref.node.numeric === undefined) {
    throw new GigeError(
      'XML_INVALID',
      `GenICam XML: ${ref.owner.name}: ${ref.role} refers to ${ref.node.name}, ${article(ref.node.nodeType)} ${ref.node.nodeType}; expected ${expected}`,
      {
        node: ref.owner.name,
        role: ref.role,
        target: ref.node.name,
      },
    );
  }
}

export function toInteger(value: Num): bigint {
  if (typeof value === 'bigint') return value;
  if (!Number.isFinite(value)) throw new GigeError('INVALID_VALUE', `${value} cannot be used as an integer`, { value });
  return BigInt(Math.round(value));
}
