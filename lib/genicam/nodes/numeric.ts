import { MaybePromise, then } from '../maybe-async';
import { Num } from '../formula';
import { INT64_MAX, INT64_MIN, parseXmlInteger } from '../numbers';
import { XmlElement, childText, invalidXml } from '../xml/element';
import { AccessMode, AccessQuery, FeatureType, GenNode, NodeContext, requireNumeric, toInteger } from './node';
import { NumberProperty, ValueSource } from './value-source';

type Flavour = 'integer' | 'float';

/**
 * Integer and Float: a value (literal, pValue or indexed) with Min/Max/Inc (own, or else those of
 * the node the value comes from), Unit and Representation.
 */
abstract class NumericValueNode extends GenNode {
  readonly source: ValueSource;
  readonly minProperty: NumberProperty | undefined;
  readonly maxProperty: NumberProperty | undefined;
  readonly incProperty: NumberProperty | undefined;
  readonly unit: string | undefined;
  readonly representation: string | undefined;

  constructor(element: XmlElement, ctx: NodeContext, flavour: Flavour) {
    super(element, ctx);
    const makeRef = this.ref.bind(this);
    const source = ValueSource.from(this, element, flavour, makeRef);
    if (!source)
      throw invalidXml(`${this.name}: ${this.nodeType === 'Integer' ? 'an' : 'a'} ${this.nodeType} needs <Value>, <pValue> or <pIndex>`, {
        node: this.name,
      });
    this.source = source;
    this.minProperty = NumberProperty.from(this, element, 'Min', flavour, makeRef);
    this.maxProperty = NumberProperty.from(this, element, 'Max', flavour, makeRef);
    this.incProperty = NumberProperty.from(this, element, 'Inc', flavour, makeRef);
    this.unit = childText(element, 'Unit');
    this.representation = childText(element, 'Representation');
  }

  override validateLinks(): void {
    super.validateLinks();
    for (const ref of this.source.valueRefs()) requireNumeric(ref, 'a node with a numeric value');
    if (this.source.index) requireNumeric(this.source.index, 'an integer node');
    for (const property of [this.minProperty, this.maxProperty, this.incProperty]) {
      if (property?.ref) requireNumeric(property.ref, 'a node with a numeric value');
    }
  }

  override baseAccess(query: AccessQuery = 'exact'): MaybePromise<AccessMode> {
    return this.source.access(query);
  }

  protected delegated(
    own: NumberProperty | undefined,
    pick: (target: GenNode) => MaybePromise<Num | undefined>,
  ): MaybePromise<Num | undefined> {
    if (own) return own.read();
    return then(this.source.target(), (target) => (target ? pick(target) : undefined));
  }

  override minimum(): MaybePromise<Num | undefined> {
    return this.delegated(this.minProperty, (target) => target.minimum());
  }

  override maximum(): MaybePromise<Num | undefined> {
    return this.delegated(this.maxProperty, (target) => target.maximum());
  }

  override increment(): MaybePromise<Num | undefined> {
    return this.delegated(this.incProperty, (target) => target.increment());
  }

  protected writeThrough(value: Num): MaybePromise<void> {
    return then(
      this.source.write(value, (node, next) => node.writeNumber(next as Num)),
      (literalChanged) => {
        if (literalChanged) this.ctx.changed(this);
      },
    );
  }
}

export class IntegerNode extends NumericValueNode {
  get type(): FeatureType {
    return 'Integer';
  }
  override get numeric(): 'integer' {
    return 'integer';
  }

  constructor(element: XmlElement, ctx: NodeContext) {
    super(element, ctx, 'integer');
  }

  override readNumber(): MaybePromise<Num> {
    return then(this.source.read() as MaybePromise<Num>, toInteger);
  }

  override writeNumber(value: Num): MaybePromise<void> {
    return this.writeThrough(toInteger(value));
  }

  override minimum(): MaybePromise<Num> {
    return then(super.minimum(), (min) => (min === undefined ? INT64_MIN : toInteger(min)));
  }

  override maximum(): MaybePromise<Num> {
    return then(super.maximum(), (max) => (max === undefined ? INT64_MAX : toInteger(max)));
  }

  override increment(): MaybePromise<Num> {
    return then(super.increment(), (inc) => (inc === undefined || inc === 0n ? 1n : toInteger(inc)));
  }
}

export class FloatNode extends NumericValueNode {
  get type(): FeatureType {
    return 'Float';
  }
  override get numeric(): 'float' {
    return 'float';
  }
  readonly displayNotation: string | undefined;
  readonly displayPrecision: number | undefined;

  constructor(element: XmlElement, ctx: NodeContext) {
    super(element, ctx, 'float');
    this.displayNotation = childText(element, 'DisplayNotation');
    const precision = childText(element, 'DisplayPrecision');
    this.displayPrecision = precision === undefined ? undefined : Number(parseXmlInteger(precision) ?? 6);
  }

  override readNumber(): MaybePromise<Num> {
    return then(this.source.read() as MaybePromise<Num>, (value) => Number(value));
  }

  override writeNumber(value: Num): MaybePromise<void> {
    return this.writeThrough(Number(value));
  }

  override minimum(): MaybePromise<Num | undefined> {
    return then(super.minimum(), (min) => (min === undefined ? undefined : Number(min)));
  }

  override maximum(): MaybePromise<Num | undefined> {
    return then(super.maximum(), (max) => (max === undefined ? undefined : Number(max)));
  }

  override increment(): MaybePromise<Num | undefined> {
    return then(super.increment(), (inc) => (inc === undefined ? undefined : Number(inc)));
  }
}
