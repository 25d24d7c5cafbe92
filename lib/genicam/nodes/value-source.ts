import { GigeError } from '../../errors';
import { MaybePromise, then, sequence } from '../maybe-async';
import { Num } from '../formula';
import { parseXmlFloat, parseXmlInteger } from '../numbers';
import { XmlElement, childElement, childElements, childTexts } from '../xml/element';
import { invalidXml } from '../xml/element';
import { AccessMode, AccessQuery, EdgeKind, GenNode, Ref } from './node';

export type Flavour = 'integer' | 'float' | 'string';
type Literal = Num | string;
type MakeRef = (role: string, name: string, kind: EdgeKind) => Ref;

interface IndexedEntry {
  index: bigint;
  ref?: Ref;
  literal?: Literal;
}

export function parseLiteral(owner: string, tag: string, text: string, flavour: Flavour): Literal {
  if (flavour === 'string') return text;
  const value = flavour === 'integer' ? parseXmlInteger(text) : parseXmlFloat(text);
  if (value === undefined)
    throw invalidXml(`${owner}: <${tag}> "${text}" is not ${flavour === 'integer' ? 'an integer' : 'a number'}`, {
      node: owner,
      element: tag,
    });
  return value;
}

/**
 * Where a value node's value lives: a literal `<Value>` (held in memory, writable), a `<pValue>`
 * pointer, or `<pIndex>` with `<ValueIndexed>`/`<pValueIndexed>` entries and a default. Writes
 * also go to every `<pValueCopy>`.
 */
export class ValueSource {
  private literal: Literal | undefined;
  readonly pointer: Ref | undefined;
  readonly index: Ref | undefined;
  private readonly indexed: IndexedEntry[] = [];
  private readonly defaultEntry: IndexedEntry | undefined;
  readonly copies: Ref[];

  private constructor(
    readonly owner: GenNode,
    el: XmlElement,
    flavour: Flavour,
    makeRef: MakeRef,
    valueTag: string,
    pointerTag: string,
  ) {
    const literal = childElement(el, valueTag);
    if (literal) this.literal = parseLiteral(owner.name, valueTag, literal.text, flavour);
    const pointer = childElement(el, pointerTag);
    this.pointer = pointer ? makeRef(pointerTag, pointer.text, 'value') : undefined;
    const index = childElement(el, 'pIndex');
    this.index = index ? makeRef('pIndex', index.text, 'value') : undefined;
    if (this.index) {
      for (const entry of childElements(el, `${valueTag}Indexed`)) {
        this.indexed.push({
          index: indexOf(owner.name, entry),
          literal: parseLiteral(owner.name, `${valueTag}Indexed`, entry.text, flavour),
        });
      }
      for (const entry of childElements(el, `${pointerTag}Indexed`)) {
        this.indexed.push({ index: indexOf(owner.name, entry), ref: makeRef(`${pointerTag}Indexed`, entry.text, 'value') });
      }
      const defaultLiteral = childElement(el, `${valueTag}Default`);
      const defaultPointer = childElement(el, `${pointerTag}Default`);
      if (defaultPointer) this.defaultEntry = { index: -1n, ref: makeRef(`${pointerTag}Default`, defaultPointer.text, 'value') };
      else if (defaultLiteral)
        this.defaultEntry = { index: -1n, literal: parseLiteral(owner.name, `${valueTag}Default`, defaultLiteral.text, flavour) };
    }
    this.copies = childTexts(el, `${pointerTag}Copy`).map((name) => makeRef(`${pointerTag}Copy`, name, 'property'));
  }

  /** undefined when the element has none of the value forms. */
  static from(
    owner: GenNode,
    el: XmlElement,
    flavour: Flavour,
    makeRef: MakeRef,
    valueTag = 'Value',
    pointerTag = 'pValue',
  ): ValueSource | undefined {
    const has = (tag: string): boolean => childElement(el, tag) !== undefined;
    if (!has(valueTag) && !has(pointerTag) && !has('pIndex')) return undefined;
    return new ValueSource(owner, el, flavour, makeRef, valueTag, pointerTag);
  }

  get isLiteral(): boolean {
    return !this.pointer && !this.index;
  }

  /** The entry that currently provides the value (selected by pIndex when indexed). */
  private current(): MaybePromise<IndexedEntry | Ref | undefined> {
    if (this.pointer) return this.pointer;
    if (!this.index) return undefined;
    return then(this.index.node.readNumber(), (raw) => {
      const index = typeof raw === 'bigint' ? raw : BigInt(Math.trunc(raw));
      return this.indexed.find((entry) => entry.index === index) ?? this.defaultEntry ?? this.missingIndex(index);
    });
  }

  private missingIndex(index: bigint): never {
    const known = this.indexed.map((entry) => entry.index.toString()).join(', ');
    throw new GigeError(
      'INDEX_NOT_FOUND',
      `${this.owner.name}: no value for index ${index} of ${this.index?.name} and no default (indexes: ${known || 'none'})`,
      { feature: this.owner.name, index: index.toString() },
    );
  }

  /** The node the value currently comes from (for delegating Min/Max/Inc/Unit), if any. */
  target(): MaybePromise<GenNode | undefined> {
    return then(this.current(), (entry) => (entry instanceof Ref ? entry.node : entry?.ref?.node));
  }

  read(): MaybePromise<Literal> {
    return then(this.current(), (entry) => {
      if (entry === undefined) return this.literal as Literal;
      if (entry instanceof Ref) return entry.node.readNumber();
      return entry.ref ? entry.ref.node.readNumber() : (entry.literal as Literal);
    });
  }

  /** Writes the value; returns true when a literal held in memory changed (the caller reports it). */
  write(value: Literal, writeTarget: (node: GenNode, value: Literal) => MaybePromise<void>): MaybePromise<boolean> {
    return then(this.current(), (entry) => {
      let literalChanged = false;
      const steps: (() => MaybePromise<void>)[] = [];
      if (entry === undefined) {
        this.literal = value;
        literalChanged = true;
      } else if (entry instanceof Ref) {
        steps.push(() => writeTarget(entry.node, value));
      } else if (entry.ref) {
        const ref = entry.ref;
        steps.push(() => writeTarget(ref.node, value));
      } else {
        entry.literal = value;
        literalChanged = true;
      }
      for (const copy of this.copies) steps.push(() => writeTarget(copy.node, value));
      return then(sequence(steps), () => literalChanged);
    });
  }

  access(query: AccessQuery = 'exact'): MaybePromise<AccessMode> {
    return then(this.current(), (entry) => {
      if (entry instanceof Ref) return entry.node.access(query);
      if (entry?.ref) return entry.ref.node.access(query);
      return 'RW';
    });
  }

  /** Every node the value may come from (for linking checks and cache invalidation). */
  valueRefs(): Ref[] {
    const refs: Ref[] = [];
    if (this.pointer) refs.push(this.pointer);
    for (const entry of this.indexed) if (entry.ref) refs.push(entry.ref);
    if (this.defaultEntry?.ref) refs.push(this.defaultEntry.ref);
    return refs;
  }
}

function indexOf(owner: string, entry: XmlElement): bigint {
  const index = parseXmlInteger(entry.attrs.Index ?? '');
  if (index === undefined)
    throw invalidXml(`${owner}: <${entry.tag}> needs an integer Index attribute, got "${entry.attrs.Index ?? ''}"`, { node: owner });
  return index;
}

/** `<Min>`/`<pMin>` and friends: a literal or a pointer. */
export class NumberProperty {
  private constructor(
    readonly literal: Num | undefined,
    readonly ref: Ref | undefined,
  ) {}

  static from(owner: GenNode, el: XmlElement, tag: string, flavour: 'integer' | 'float', makeRef: MakeRef): NumberProperty | undefined {
    const pointer = childElement(el, `p${tag}`);
    if (pointer) return new NumberProperty(undefined, makeRef(`p${tag}`, pointer.text, 'property'));
    const literal = childElement(el, tag);
    if (literal) return new NumberProperty(parseLiteral(owner.name, tag, literal.text, flavour) as Num, undefined);
    return undefined;
  }

  read(): MaybePromise<Num> {
    return this.ref ? this.ref.node.readNumber() : (this.literal as Num);
  }
}
