import { GigeError, GigeErrorCode } from '../../errors';
import { FormulaSyntaxError } from './lexer';
import { Ast, parseFormula } from './parser';
import {
  FormulaEvaluationError,
  Num,
  binaryFloat,
  binaryTyped,
  floatFunction,
  roundTo,
  toInt64,
  truthy,
  typedFunction,
  unaryFloat,
  unaryTyped,
} from './evaluate';

export type { Num } from './evaluate';
export type FormulaFlavour = 'integer' | 'float';

export interface FormulaScope {
  /** Declared variable names (pVariable `Name` attributes, possibly with a `.Max`-style suffix). */
  variables: readonly string[];
  /** `<Constant Name=…>` values. */
  constants?: Readonly<Record<string, Num>>;
  /** `<Expression Name=…>` sub-formulas, inlined where they are used. */
  expressions?: Readonly<Record<string, string>>;
}

/**
 * One variable the compiled formula reads, in the order of the value array passed to `evaluate`:
 * the declared pVariable it comes from, and a property suffix when the formula wrote `Name.Max`
 * for a variable declared as plain `Name`.
 */
export interface VariableBinding {
  declared: string;
  suffix?: string;
}

type Compiled<T> = (values: readonly Num[]) => T;

/*
 * Bounds for formulas from untrusted files. Real formulas are a few hundred characters and a few
 * dozen nodes; without bounds, long operator chains overflow the stack and expressions that use
 * each other twice (E2 = E1 + E1, …) grow exponentially when inlined.
 */
/** Characters in one formula or expression text. */
export const MAX_FORMULA_LENGTH = 65536;
/** Nodes of the formula with every expression inlined: bounds compile and evaluation work. */
export const MAX_FORMULA_NODES = 10000;
/** Depth of the inlined tree: compiling and evaluating recurse once per level. */
export const MAX_FORMULA_DEPTH = 1000;

/** Formula text as quoted in messages: long hostile sources would swamp logs and status lines. */
function quoted(source: string): string {
  return source.length > 200 ? `${source.slice(0, 200)}… (${source.length} characters)` : source;
}

/**
 * A formula parsed and turned into closures once; `evaluate` only runs them. Errors carry the
 * owning node's name and the formula text.
 */
export class Formula {
  constructor(
    readonly owner: string,
    readonly source: string,
    readonly flavour: FormulaFlavour,
    readonly bindings: readonly VariableBinding[],
    private readonly run: Compiled<Num>,
  ) {}

  /** Integer flavour → bigint (int64); float flavour → number. */
  evaluate(values: readonly Num[]): Num {
    let result: Num;
    try {
      result = this.run(values);
      if (this.flavour === 'integer') return toInt64(result);
    } catch (err) {
      if (err instanceof FormulaEvaluationError) {
        throw new GigeError('FORMULA_EVALUATION', `${this.owner}: formula "${quoted(this.source)}": ${err.message}`, {
          feature: this.owner,
          formula: this.source,
        });
      }
      throw err;
    }
    if (Number.isNaN(result)) {
      throw new GigeError('FORMULA_EVALUATION', `${this.owner}: formula "${quoted(this.source)}" gave NaN`, {
        feature: this.owner,
        formula: this.source,
      });
    }
    return result;
  }
}

export function compileFormula(owner: string, source: string, flavour: FormulaFlavour, scope: FormulaScope): Formula {
  const bindings: VariableBinding[] = [];
  const bindingIndex = new Map<string, number>();
  const expressionAsts = new Map<string, Ast>();
  const expanding: string[] = [];

  const fail = (code: GigeErrorCode, message: string, pos?: number): never => {
    const where = pos === undefined ? '' : ` at column ${pos + 1}`;
    throw new GigeError(code, `${owner}: formula "${quoted(source)}"${where}: ${message}`, {
      feature: owner,
      formula: source,
      column: pos === undefined ? undefined : pos + 1,
    });
  };

  /** `expression` names the <Expression> being parsed; absent for the formula itself. */
  const parse = (text: string, expression?: string): Ast => {
    if (text.length > MAX_FORMULA_LENGTH) {
      const what = expression === undefined ? 'the formula' : `expression ${expression}`;
      return fail('FORMULA_TOO_COMPLEX', `${what} is ${text.length} characters long; allowed at most ${MAX_FORMULA_LENGTH}`);
    }
    try {
      return parseFormula(text);
    } catch (err) {
      if (err instanceof FormulaSyntaxError) {
        const inner = expression === undefined ? '' : ` (in expression ${expression} = "${quoted(text)}")`;
        return fail('FORMULA_SYNTAX', `syntax error: ${err.message}${inner}`, expression === undefined ? err.pos : undefined);
      }
      throw err;
    }
  };

  const bind = (declared: string, suffix: string | undefined): number => {
    const key = suffix === undefined ? declared : `${declared}\u0000${suffix}`;
    let index = bindingIndex.get(key);
    if (index === undefined) {
      index = bindings.length;
      bindings.push(suffix === undefined ? { declared } : { declared, suffix });
      bindingIndex.set(key, index);
    }
    return index;
  };

  // Sizes are of the tree with expressions inlined, since that is what evaluation walks.
  let nodes = 0;
  let level = 0;
  let deepest = 0;
  const tooComplex = (): never => {
    if (nodes > MAX_FORMULA_NODES)
      return fail(
        'FORMULA_TOO_COMPLEX',
        `more than ${MAX_FORMULA_NODES} operations with expressions expanded; allowed at most ${MAX_FORMULA_NODES}`,
      );
    return fail(
      'FORMULA_TOO_COMPLEX',
      `nested more than ${MAX_FORMULA_DEPTH} levels deep with expressions expanded; allowed at most ${MAX_FORMULA_DEPTH}`,
    );
  };
  const account = (size: number, height: number): void => {
    nodes += size;
    deepest = Math.max(deepest, level + height);
    if (nodes > MAX_FORMULA_NODES || deepest > MAX_FORMULA_DEPTH) tooComplex();
  };
  const guarded =
    <T>(compileNode: (ast: Ast) => Compiled<T>) =>
    (ast: Ast): Compiled<T> => {
      account(1, 1);
      level += 1;
      try {
        return compileNode(ast);
      } finally {
        level -= 1;
      }
    };

  /** Each expression is compiled once per formula; later uses share the closure and only add its size. */
  type Shared = { run: Compiled<Num>; size: number; height: number };
  const sharedExpressions = new Map<string, Shared>();
  const expression = <T extends Num>(name: string, ast: Ast, compile: (ast: Ast) => Compiled<T>): Compiled<T> => {
    const shared = sharedExpressions.get(name);
    if (shared) {
      account(shared.size, shared.height);
      return shared.run as Compiled<T>;
    }
    const before = { nodes, deepest };
    deepest = level;
    expanding.push(name);
    const run = compile(ast);
    expanding.pop();
    sharedExpressions.set(name, { run, size: nodes - before.nodes, height: deepest - level });
    deepest = Math.max(deepest, before.deepest);
    return run;
  };

  type Resolved = { kind: 'var'; index: number } | { kind: 'const'; value: Num } | { kind: 'expr'; ast: Ast };
  const resolve = (name: string, pos: number): Resolved => {
    if (scope.variables.includes(name)) return { kind: 'var', index: bind(name, undefined) };
    if (scope.constants && Object.prototype.hasOwnProperty.call(scope.constants, name))
      return { kind: 'const', value: scope.constants[name] };
    if (scope.expressions && Object.prototype.hasOwnProperty.call(scope.expressions, name)) {
      if (expanding.includes(name))
        return fail('FORMULA_SYNTAX', `expression ${name} refers to itself (${[...expanding, name].join(' → ')})`);
      let ast = expressionAsts.get(name);
      if (!ast) {
        ast = parse(scope.expressions[name], name);
        expressionAsts.set(name, ast);
      }
      return { kind: 'expr', ast };
    }
    const dot = name.indexOf('.');
    if (dot > 0 && scope.variables.includes(name.slice(0, dot))) {
      return { kind: 'var', index: bind(name.slice(0, dot), name.slice(dot + 1)) };
    }
    if (name === 'PI') return { kind: 'const', value: Math.PI };
    if (name === 'E') return { kind: 'const', value: Math.E };
    const known = [...scope.variables, ...Object.keys(scope.constants ?? {}), ...Object.keys(scope.expressions ?? {})];
    return fail('FORMULA_UNKNOWN_VARIABLE', `unknown variable '${name}' (declared: ${known.length ? known.join(', ') : 'none'})`, pos);
  };

  const compileTyped = guarded((ast: Ast): Compiled<Num> => {
    switch (ast.type) {
      case 'num': {
        const value = ast.value;
        return () => value;
      }
      case 'var': {
        const resolved = resolve(ast.name, ast.pos);
        if (resolved.kind === 'const') {
          const value = resolved.value;
          return () => value;
        }
        if (resolved.kind === 'expr') return expression(ast.name, resolved.ast, compileTyped);
        const index = resolved.index;
        return (values) => values[index];
      }
      case 'unary': {
        const arg = compileTyped(ast.arg);
        const op = ast.op;
        return (values) => unaryTyped(op, arg(values));
      }
      case 'binary': {
        const left = compileTyped(ast.left);
        const right = compileTyped(ast.right);
        const op = ast.op;
        if (op === '&&') return (values) => (truthy(left(values)) && truthy(right(values)) ? 1n : 0n);
        if (op === '||') return (values) => (truthy(left(values)) || truthy(right(values)) ? 1n : 0n);
        return (values) => binaryTyped(op, left(values), right(values));
      }
      case 'ternary': {
        const cond = compileTyped(ast.cond);
        const whenTrue = compileTyped(ast.then);
        const whenFalse = compileTyped(ast.else);
        return (values) => (truthy(cond(values)) ? whenTrue(values) : whenFalse(values));
      }
      case 'call': {
        if (ast.name === 'PI') return () => Math.PI;
        if (ast.name === 'E') return () => Math.E;
        const args = ast.args.map(compileTyped);
        const name = ast.name;
        if (args.length === 1) {
          const only = args[0];
          return (values) => typedFunction(name, [only(values)]);
        }
        return (values) =>
          typedFunction(
            name,
            args.map((arg) => arg(values)),
          );
      }
    }
  });

  const compileFloat = guarded((ast: Ast): Compiled<number> => {
    switch (ast.type) {
      case 'num': {
        const value = Number(ast.value);
        return () => value;
      }
      case 'var': {
        const resolved = resolve(ast.name, ast.pos);
        if (resolved.kind === 'const') {
          const value = Number(resolved.value);
          return () => value;
        }
        if (resolved.kind === 'expr') return expression(ast.name, resolved.ast, compileFloat);
        const index = resolved.index;
        return (values) => Number(values[index]);
      }
      case 'unary': {
        const arg = compileFloat(ast.arg);
        const op = ast.op;
        return (values) => unaryFloat(op, arg(values));
      }
      case 'binary': {
        const left = compileFloat(ast.left);
        const right = compileFloat(ast.right);
        const op = ast.op;
        if (op === '&&') return (values) => (left(values) !== 0 && right(values) !== 0 ? 1 : 0);
        if (op === '||') return (values) => (left(values) !== 0 || right(values) !== 0 ? 1 : 0);
        return (values) => binaryFloat(op, left(values), right(values));
      }
      case 'ternary': {
        const cond = compileFloat(ast.cond);
        const whenTrue = compileFloat(ast.then);
        const whenFalse = compileFloat(ast.else);
        return (values) => (cond(values) !== 0 ? whenTrue(values) : whenFalse(values));
      }
      case 'call': {
        if (ast.name === 'PI') return () => Math.PI;
        if (ast.name === 'E') return () => Math.E;
        const args = ast.args.map(compileFloat);
        const name = ast.name;
        if (name === 'ROUND' && args.length === 2) {
          const [x, decimals] = args;
          return (values) => roundTo(x(values), decimals(values));
        }
        const only = args[0];
        return (values) => floatFunction(name, only(values));
      }
    }
  });

  const ast = parse(source);
  const run = flavour === 'integer' ? compileTyped(ast) : compileFloat(ast);
  return new Formula(owner, source, flavour, bindings, run);
}
