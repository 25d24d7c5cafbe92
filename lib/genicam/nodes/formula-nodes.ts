import { MaybePromise, all, then } from '../maybe-async';
import { Formula, FormulaFlavour, Num, compileFormula } from '../formula';
import { XmlElement, childElements, childText, invalidXml } from '../xml/element';
import {
  AccessMode,
  AccessQuery,
  EdgeKind,
  EvaluationEdge,
  FeatureType,
  GenNode,
  NodeContext,
  Ref,
  requireNumeric,
  toInteger,
} from './node';
import { parseLiteral } from './value-source';

/** A variable binding resolved to its node and the property the formula reads. */
interface BoundVariable {
  /** Set for the reserved FROM/TO of a Converter. */
  special?: 'FROM' | 'TO';
  ref?: Ref;
  property?: string;
}

/** pVariable / Constant / Expression declarations shared by SwissKnife and Converter nodes. */
class FormulaVariables {
  readonly refs = new Map<string, Ref>();
  readonly constants: Record<string, Num> = {};
  readonly expressions: Record<string, string> = {};

  constructor(owner: GenNode, element: XmlElement, makeRef: (role: string, name: string) => Ref) {
    for (const variable of childElements(element, 'pVariable')) {
      const name = variable.attrs.Name;
      if (!name) throw invalidXml(`${owner.name}: a <pVariable> has no Name attribute`, { node: owner.name });
      this.refs.set(name, makeRef(`pVariable ${name}`, variable.text));
    }
    for (const constant of childElements(element, 'Constant')) {
      const name = constant.attrs.Name;
      if (!name) throw invalidXml(`${owner.name}: a <Constant> has no Name attribute`, { node: owner.name });
      const isInteger = /^[+-]?(0[xX][0-9a-fA-F]+|\d+)$/.test(constant.text.trim());
      this.constants[name] = parseLiteral(owner.name, 'Constant', constant.text, isInteger ? 'integer' : 'float') as Num;
    }
    for (const expression of childElements(element, 'Expression')) {
      const name = expression.attrs.Name;
      if (!name) throw invalidXml(`${owner.name}: an <Expression> has no Name attribute`, { node: owner.name });
      this.expressions[name] = expression.text;
    }
  }

  compile(owner: string, source: string, flavour: FormulaFlavour, special?: 'FROM' | 'TO'): { formula: Formula; bound: BoundVariable[] } {
    const names = [...this.refs.keys()];
    if (special) names.push(special);
    const formula = compileFormula(owner, source, flavour, { variables: names, constants: this.constants, expressions: this.expressions });
    const bound = formula.bindings.map((binding): BoundVariable => {
      if (special && binding.declared === special && binding.suffix === undefined) return { special };
      const ref = this.refs.get(binding.declared) as Ref;
      const dot = binding.declared.indexOf('.');
      const property = binding.suffix ?? (dot > 0 ? binding.declared.slice(dot + 1) : undefined);
      return { ref, property };
    });
    return { formula, bound };
  }

  validate(): void {
    for (const ref of this.refs.values()) requireNumeric(ref, 'a node with a numeric value');
  }
}

/** Reading `X.Min` evaluates X's range (its pMin… and, by delegation, its value chain); `X.AccessMode` its conditions. */
const PROPERTY_EDGE_KINDS: Record<string, EdgeKind[]> = {
  Min: ['property', 'value'],
  Max: ['property', 'value'],
  Inc: ['property', 'value'],
  AccessMode: ['condition', 'value', 'address', 'port'],
};

function propertyEdges(bound: BoundVariable[]): EvaluationEdge[] {
  const edges: EvaluationEdge[] = [];
  for (const variable of bound) {
    const kinds = variable.property && variable.ref ? PROPERTY_EDGE_KINDS[variable.property] : undefined;
    if (!kinds || !variable.ref) continue;
    for (const ref of variable.ref.node.refs) {
      if (kinds.includes(ref.kind)) edges.push({ target: ref.node, role: `${variable.ref.role}.${variable.property} → ${ref.role}` });
    }
  }
  return edges;
}

function readVariable(variable: BoundVariable, specialValue: () => MaybePromise<Num>): MaybePromise<Num> {
  if (variable.special) return specialValue();
  const node = (variable.ref as Ref).node;
  if (variable.property === undefined || variable.property === 'Value') return node.readNumber();
  return node.readProperty(variable.property);
}

function evaluate(formula: Formula, bound: BoundVariable[], specialValue: () => MaybePromise<Num>): MaybePromise<Num> {
  if (bound.length === 0) return formula.evaluate([]);
  return then(all(bound.map((variable) => readVariable(variable, specialValue))), (values) => formula.evaluate(values));
}

/** What SwissKnife and Converter nodes share: a flavour (integer or float), Unit, Representation, variables. */
abstract class FormulaNode extends GenNode {
  readonly unit: string | undefined;
  readonly representation: string | undefined;
  protected readonly variables: FormulaVariables;

  constructor(
    element: XmlElement,
    ctx: NodeContext,
    private readonly flavour: FormulaFlavour,
    name?: string,
  ) {
    super(element, ctx, name);
    this.unit = childText(element, 'Unit');
    this.representation = childText(element, 'Representation');
    this.variables = new FormulaVariables(this, element, (role, target) => this.ref(role, target, 'value'));
  }

  get type(): FeatureType {
    return this.flavour === 'integer' ? 'Integer' : 'Float';
  }

  override get numeric(): FormulaFlavour {
    return this.flavour;
  }

  override validateLinks(): void {
    super.validateLinks();
    this.variables.validate();
  }

  /** The nodes its formulas read (for explaining a condition to a user). */
  variableNodes(): GenNode[] {
    return [...new Set([...this.variables.refs.values()].map((ref) => ref.node))];
  }
}

/** SwissKnife (float) and IntSwissKnife (integer): a read-only formula over other nodes. */
export class SwissKnifeNode extends FormulaNode {
  readonly formula: Formula;
  private readonly bound: BoundVariable[];

  constructor(element: XmlElement, ctx: NodeContext, flavour: FormulaFlavour, name?: string) {
    super(element, ctx, flavour, name);
    const source = childText(element, 'Formula');
    if (source === undefined) throw invalidXml(`${this.name}: a ${this.nodeType} needs a <Formula>`, { node: this.name });
    ({ formula: this.formula, bound: this.bound } = this.variables.compile(this.name, source, flavour));
  }

  override readNumber(): MaybePromise<Num> {
    return evaluate(this.formula, this.bound, () => 0n);
  }

  override evaluationEdges(): EvaluationEdge[] {
    return [...super.evaluationEdges(), ...propertyEdges(this.bound)];
  }
}

/**
 * Converter (float) and IntConverter (integer): reading evaluates FormulaFrom with TO = the value of
 * pValue; writing evaluates FormulaTo with FROM = the new value and writes the result to pValue
 * (rounded to the nearest integer when pValue is an integer node). Min and Max are pValue's,
 * mapped through FormulaFrom and put in order (whatever the Slope).
 */
export class ConverterNode extends FormulaNode {
  readonly slope: string;
  readonly valueRef: Ref;
  readonly formulaTo: Formula;
  readonly formulaFrom: Formula;
  private readonly boundTo: BoundVariable[];
  private readonly boundFrom: BoundVariable[];

  constructor(element: XmlElement, ctx: NodeContext, flavour: FormulaFlavour) {
    super(element, ctx, flavour);
    this.slope = childText(element, 'Slope') ?? 'Automatic';
    const pValue = childText(element, 'pValue');
    if (!pValue) throw invalidXml(`${this.name}: a ${this.nodeType} needs a <pValue>`, { node: this.name });
    this.valueRef = this.ref('pValue', pValue, 'value');
    const to = childText(element, 'FormulaTo');
    const from = childText(element, 'FormulaFrom');
    if (to === undefined || from === undefined)
      throw invalidXml(`${this.name}: a ${this.nodeType} needs <FormulaTo> and <FormulaFrom>`, { node: this.name });
    ({ formula: this.formulaTo, bound: this.boundTo } = this.variables.compile(this.name, to, flavour, 'FROM'));
    ({ formula: this.formulaFrom, bound: this.boundFrom } = this.variables.compile(this.name, from, flavour, 'TO'));
  }

  override validateLinks(): void {
    super.validateLinks();
    requireNumeric(this.valueRef, 'a node with a numeric value');
  }

  override baseAccess(query: AccessQuery = 'exact'): MaybePromise<AccessMode> {
    return this.valueRef.node.access(query);
  }

  override evaluationEdges(): EvaluationEdge[] {
    return [...super.evaluationEdges(), ...propertyEdges(this.boundTo), ...propertyEdges(this.boundFrom)];
  }

  override readNumber(): MaybePromise<Num> {
    return evaluate(this.formulaFrom, this.boundFrom, () => this.valueRef.node.readNumber());
  }

  /** FormulaFrom applied to a given raw value (used for Min/Max). */
  private convertFrom(raw: Num): MaybePromise<Num> {
    return evaluate(this.formulaFrom, this.boundFrom, () => raw);
  }

  override writeNumber(value: Num): MaybePromise<void> {
    return then(
      evaluate(this.formulaTo, this.boundTo, () => value),
      (raw) => {
        const target = this.valueRef.node;
        return target.writeNumber(target.numeric === 'integer' ? toInteger(raw) : raw);
      },
    );
  }

  private range(): MaybePromise<[Num, Num] | undefined> {
    const target = this.valueRef.node;
    return then(all([target.minimum(), target.maximum()]), ([min, max]) => {
      if (min === undefined || max === undefined) return undefined;
      return then(all([this.convertFrom(min), this.convertFrom(max)]), ([a, b]) =>
        a <= b ? ([a, b] as [Num, Num]) : ([b, a] as [Num, Num]),
      );
    });
  }

  override minimum(): MaybePromise<Num | undefined> {
    return this.safeRange(0);
  }

  override maximum(): MaybePromise<Num | undefined> {
    return this.safeRange(1);
  }

  /** A range that cannot be mapped (division by zero at an end, say) is reported as none. */
  private safeRange(end: 0 | 1): MaybePromise<Num | undefined> {
    try {
      const range = this.range();
      if (range instanceof Promise)
        return range.then(
          (r) => r?.[end],
          () => undefined,
        );
      return range?.[end];
    } catch {
      return undefined;
    }
  }
}
