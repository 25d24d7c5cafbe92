/**
 * The vocabulary of the DMK 38GX541-a feature table. One declarative table (`features-*.ts`) drives
 * both the GenICam XML the camera serves and the register file the model answers from, so the two
 * cannot drift apart.
 */

export type FeatureKind = 'integer' | 'float' | 'boolean' | 'enumeration' | 'command' | 'string' | 'register';
export type Access = 'RO' | 'RW' | 'WO';
export type Visibility = 'Beginner' | 'Expert' | 'Guru' | 'Invisible';

export interface EnumEntryDef {
  name: string;
  value: number;
  /** The manual's wording when it differs from the GenICam name (e.g. "Center 50%"). */
  displayName?: string;
  description?: string;
}

/** Where a feature's bytes live. */
export type Storage =
  /** A manufacturer register of the model (address assigned by the register map, ≥ 0xA000). */
  | { kind: 'model'; length: 4 | 8; address?: number }
  /**
   * A GigE Vision bootstrap register that the GVCP server owns (below 0xA000). `mask` selects a
   * contiguous bit field (LSB-0 numbering here; the XML converts to GenICam's MSB-0 numbering).
   */
  | { kind: 'bootstrap'; address: number; length: number; mask?: number; value?: number }
  /** A byte range of an event's data or a chunk (port address 0 = first data byte). */
  | { kind: 'port'; port: string; address: number; length: number }
  /** A block of model memory (LUTValueAll). */
  | { kind: 'memory'; address: number; length: number }
  /** No storage: a constant Integer (`Value`). */
  | { kind: 'constant'; value: number };

/** A condition under which a feature is locked (read-only) — rendered as an IntSwissKnife. */
export type LockCondition =
  /** TLParamsLocked = 1 or acquisition running: transport-relevant settings are frozen. */
  | { tlParams: true }
  /** Another feature has a given (enumeration or boolean) value. */
  | { feature: string; equals: number }
  | { feature: string; notEquals: number };

export interface FeatureDef {
  name: string;
  kind: FeatureKind;
  category: string;
  description: string;
  displayName?: string;
  visibility?: Visibility;
  /** SFNC names are Standard; TIS-specific names are Custom. */
  standard?: boolean;
  access: Access;
  storage: Storage;
  /** Static limits (Integer/Float). */
  min?: number;
  max?: number;
  inc?: number;
  /** Dynamic limits: the name of a read-only feature that holds the limit. */
  pMin?: string;
  pMax?: string;
  unit?: string;
  representation?: 'Linear' | 'Logarithmic' | 'PureNumber' | 'HexNumber' | 'IPV4Address' | 'MACAddress' | 'Boolean';
  entries?: EnumEntryDef[];
  /** Power-up value (factory default user set). Enumerations name their entry. */
  default?: number | string | boolean | bigint;
  /** 64-bit integer register (values are bigint in the model). */
  wide?: boolean;
  /** Locked while any of these conditions holds. */
  locked?: LockCondition[];
  /** Features this selector selects (written as pSelected). */
  selects?: string[];
  /** The selector that multiplexes this feature's register (device side). */
  selectedBy?: string;
  /** Saved in user sets. */
  streamable?: boolean;
  /** For event/chunk data features. */
  eventId?: number;
  /** Commands: the value written to execute. */
  commandValue?: number;
  /**
   * How a client may cache the register (GenICam Cachable; `caching.ts` has the rules). Default
   * WriteThrough: only the host changes it. NoCache: the camera changes it by itself. WriteAround:
   * the camera keeps something other than what was written (clamping, self-clearing bits).
   */
  cachable?: Cachable;
  /**
   * Features whose write may change this one's value (pInvalidator). Name the direct causes only:
   * the XML lists their causes too (transitively), selectors, user set loads and features that
   * share the register.
   */
  invalidatedBy?: string[];
}

export type Cachable = 'WriteThrough' | 'WriteAround' | 'NoCache';

export interface CategoryDef {
  name: string;
  displayName: string;
  description: string;
  /** Base of this category's model registers (each category has its own 0x100-byte window). */
  registerBase?: number;
}
