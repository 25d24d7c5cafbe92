import { GigeError } from '../../errors';
import { MaybePromise, then } from '../maybe-async';
import { Num } from '../formula';
import { parseXmlFloat, parseXmlInteger, toPublicInteger } from '../numbers';
import { XmlElement, childElements, childText, invalidXml } from '../xml/element';
import { AccessMode, AccessQuery, FeatureType, GenNode, NodeContext, requireNumeric, toInteger } from './node';
import { ValueSource } from './value-source';

export class EnumEntryNode extends GenNode {
  get type(): FeatureType {
    return 'EnumEntry';
  }
  override get numeric(): 'integer' {
    return 'integer';
  }
  readonly value: bigint;
  readonly numericValue: number | undefined;
  /** The name users read and write (`<Symbolic>`, else the Name without an `EnumEntry_<Enum>_` prefix). */
  readonly symbolic: string;
  readonly isSelfClearing: boolean;

  constructor(
    element: XmlElement,
    ctx: NodeContext,
    readonly enumeration: string,
  ) {
    super(element, ctx);
    const valueText = childText(element, 'Value');
    const value = valueText === undefined ? undefined : parseXmlInteger(valueText);
    if (value === undefined)
      throw invalidXml(
        `${enumeration}: EnumEntry ${this.name} needs an integer <Value>${valueText === undefined ? '' : `, not "${valueText}"`}`,
        { node: this.name },
      );
    this.value = value;
    const numeric = childText(element, 'NumericValue');
    this.numericValue = numeric === undefined ? undefined : parseXmlFloat(numeric);
    const prefix = `EnumEntry_${enumeration}_`;
    this.symbolic = childText(element, 'Symbolic') ?? (this.name.startsWith(prefix) ? this.name.slice(prefix.length) : this.name);
    this.isSelfClearing = childText(element, 'IsSelfClearing') === 'Yes';
  }

  override readNumber(): MaybePromise<Num> {
    return this.value;
  }
}

/** Named choices over an integer value; users read and write entry names. */
export class EnumerationNode extends GenNode {
  get type(): FeatureType {
    return 'Enumeration';
  }
  override get numeric(): 'integer' {
    return 'integer';
  }
  readonly source: ValueSource;
  readonly entries: EnumEntryNode[];

  constructor(element: XmlElement, ctx: NodeContext) {
    super(element, ctx);
    const source = ValueSource.from(this, element, 'integer', this.ref.bind(this));
    if (!source) throw invalidXml(`${this.name}: an Enumeration needs <Value>, <pValue> or <pIndex>`, { node: this.name });
    this.source = source;
    this.entries = childElements(element, 'EnumEntry').map((entry) => {
      if (!entry.attrs.Name) throw invalidXml(`${this.name}: an <EnumEntry> has no Name attribute`, { node: this.name });
      const node = new EnumEntryNode(entry, ctx, this.name);
      ctx.adopt(node);
      return node;
    });
    if (this.entries.length === 0) throw invalidXml(`${this.name}: an Enumeration needs at least one <EnumEntry>`, { node: this.name });
  }

  override validateLinks(): void {
    super.validateLinks();
    for (const ref of this.source.valueRefs()) requireNumeric(ref, 'an integer node');
    if (this.source.index) requireNumeric(this.source.index, 'an integer node');
  }

  override baseAccess(query: AccessQuery = 'exact'): MaybePromise<AccessMode> {
    return this.source.access(query);
  }

  override readNumber(): MaybePromise<Num> {
    return then(this.source.read() as MaybePromise<Num>, toInteger);
  }

  override writeNumber(value: Num): MaybePromise<void> {
    return then(
      this.source.write(toInteger(value), (node, next) => node.writeNumber(next as Num)),
      (literalChanged) => {
        if (literalChanged) this.ctx.changed(this);
      },
    );
  }

  entryByValue(value: bigint): EnumEntryNode | undefined {
    return this.entries.find((entry) => entry.value === value);
  }

  entryByName(name: string): EnumEntryNode | undefined {
    return this.entries.find((entry) => entry.symbolic === name) ?? this.entries.find((entry) => entry.name === name);
  }

  readEntry(): MaybePromise<EnumEntryNode> {
    return then(this.readNumber(), (raw) => {
      const value = toInteger(raw);
      const entry = this.entryByValue(value);
      if (!entry) {
        const known = this.entries.map((e) => `${e.symbolic}=${e.value}`).join(', ');
        throw new GigeError(
          'INVALID_VALUE',
          `${this.name}: the device reports ${toPublicInteger(value)}, which is none of the entries (${known})`,
          {
            feature: this.name,
            value: value.toString(),
          },
        );
      }
      return entry;
    });
  }

  writeEntry(entry: EnumEntryNode): MaybePromise<void> {
    return then(this.writeNumber(entry.value), () => {
      // A self-clearing entry (e.g. "Once") falls back by itself: read it afresh next time.
      if (entry.isSelfClearing) this.ctx.dropCaches(this);
    });
  }

  override readProperty(property: string): MaybePromise<Num> {
    if (property.startsWith('Entry.')) {
      const entry = this.entryByName(property.slice('Entry.'.length));
      if (!entry) {
        throw new GigeError(
          'FORMULA_UNKNOWN_VARIABLE',
          `${this.name}: no entry '${property.slice(6)}' (entries: ${this.entries.map((e) => e.symbolic).join(', ')})`,
          { feature: this.name },
        );
      }
      return entry.value;
    }
    return super.readProperty(property);
  }
}
