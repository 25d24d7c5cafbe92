import { strict as assert } from 'node:assert';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { compileFormula } from '../../lib/genicam';
import type { Num } from '../../lib/genicam/formula';
import { isGigeError } from '../../lib/errors';
import { caught, fuzzIt } from '../support/fuzz';

/*
 * Property-based fuzzing of the formula engine. Random expression trees are printed twice — fully
 * parenthesised and with only the parentheses the GenICam precedence rules need — and both must
 * compile and evaluate to what a small reference evaluator written here (int64 or double
 * semantics, short-circuit and lazy ternary) says, or both fail where it fails. Arbitrary text and
 * expression graphs give a formula or one FORMULA_* error, compiled in bounded time.
 */

type Expr =
  | { k: 'num'; text: string; value: bigint | number }
  | { k: 'var'; name: string }
  | { k: 'unary'; op: '-' | '+' | '~'; arg: Expr }
  | { k: 'binary'; op: string; left: Expr; right: Expr }
  | { k: 'ternary'; cond: Expr; then: Expr; else: Expr }
  | { k: 'call'; name: string; arg: Expr };

/** Binding strength as the GenICam formula grammar defines it (higher binds tighter). */
const PRECEDENCE: Record<string, number> = {
  '||': 10,
  '&&': 20,
  '|': 40,
  '^': 50,
  '&': 60,
  '=': 70,
  '<>': 70,
  '<': 80,
  '<=': 80,
  '>': 80,
  '>=': 80,
  '<<': 90,
  '>>': 90,
  '+': 100,
  '-': 100,
  '*': 110,
  '/': 110,
  '%': 110,
  '**': 120,
};
const UNARY_LEVEL = 150;
const ATOM_LEVEL = 200;

function fullyParenthesised(e: Expr): string {
  switch (e.k) {
    case 'num':
      return e.text;
    case 'var':
      return e.name;
    case 'unary':
      return `${e.op}(${fullyParenthesised(e.arg)})`;
    case 'binary':
      return `(${fullyParenthesised(e.left)} ${e.op} ${fullyParenthesised(e.right)})`;
    case 'ternary':
      return `(${fullyParenthesised(e.cond)} ? ${fullyParenthesised(e.then)} : ${fullyParenthesised(e.else)})`;
    case 'call':
      return `${e.name}(${fullyParenthesised(e.arg)})`;
  }
}

/** Only the parentheses precedence and associativity need (`**` is right-associative, unary binds tighter). */
function minimal(e: Expr, space: string): { text: string; level: number } {
  const wrap = (inner: { text: string; level: number }, needed: boolean): string => (needed ? `(${inner.text})` : inner.text);
  switch (e.k) {
    case 'num':
      return { text: e.text, level: ATOM_LEVEL };
    case 'var':
      return { text: e.name, level: ATOM_LEVEL };
    case 'call':
      return { text: `${e.name}(${minimal(e.arg, space).text})`, level: ATOM_LEVEL };
    case 'unary': {
      const arg = minimal(e.arg, space);
      return { text: `${e.op}${space}${wrap(arg, arg.level < UNARY_LEVEL)}`, level: UNARY_LEVEL };
    }
    case 'binary': {
      const p = PRECEDENCE[e.op];
      const left = minimal(e.left, space);
      const right = minimal(e.right, space);
      const rightAssociative = e.op === '**';
      const l = wrap(left, left.level < p || (rightAssociative && left.level === p));
      const r = wrap(right, right.level < p || (!rightAssociative && right.level === p));
      return { text: `${l}${space}${e.op}${space}${r}`, level: p };
    }
    case 'ternary': {
      const cond = minimal(e.cond, space);
      return {
        text: `${wrap(cond, cond.level === 0)}${space}?${space}${minimal(e.then, space).text}${space}:${space}${minimal(e.else, space).text}`,
        level: 0,
      };
    }
  }
}

// --- reference semantics ------------------------------------------------------------------------

class RefError extends Error {}
const int64 = (v: bigint): bigint => BigInt.asIntN(64, v);
const bool = (b: boolean): bigint => (b ? 1n : 0n);

function evalInt(e: Expr, vars: Record<string, bigint>): bigint {
  switch (e.k) {
    case 'num':
      return e.value as bigint;
    case 'var':
      return vars[e.name];
    case 'unary': {
      const a = evalInt(e.arg, vars);
      return e.op === '-' ? int64(-a) : e.op === '~' ? ~a : a;
    }
    case 'ternary':
      return evalInt(e.cond, vars) !== 0n ? evalInt(e.then, vars) : evalInt(e.else, vars);
    case 'call': {
      const a = evalInt(e.arg, vars);
      if (e.name === 'SGN') return a > 0n ? 1n : a < 0n ? -1n : 0n;
      if (e.name === 'NEG') return int64(-a);
      return int64(a < 0n ? -a : a); // ABS
    }
    case 'binary': {
      const a = evalInt(e.left, vars);
      if (e.op === '&&') return a === 0n ? 0n : bool(evalInt(e.right, vars) !== 0n);
      if (e.op === '||') return a !== 0n ? 1n : bool(evalInt(e.right, vars) !== 0n);
      const b = evalInt(e.right, vars);
      switch (e.op) {
        case '+':
          return int64(a + b);
        case '-':
          return int64(a - b);
        case '*':
          return int64(a * b);
        case '/':
          if (b === 0n) throw new RefError();
          return int64(a / b);
        case '%':
          if (b === 0n) throw new RefError();
          return a % b;
        case '**': {
          let r = 1n;
          for (let i = 0n; i < b; i += 1n) r = int64(r * a);
          return r;
        }
        case '&':
          return a & b;
        case '|':
          return a | b;
        case '^':
          return a ^ b;
        case '<<':
          if (b < 0n) throw new RefError();
          return b >= 64n ? 0n : int64(a << b);
        case '>>':
          if (b < 0n) throw new RefError();
          return b >= 64n ? (a < 0n ? -1n : 0n) : a >> b;
        case '<':
          return bool(a < b);
        case '<=':
          return bool(a <= b);
        case '>':
          return bool(a > b);
        case '>=':
          return bool(a >= b);
        case '=':
          return bool(a === b);
        default:
          return bool(a !== b); // '<>'
      }
    }
  }
}

const FLOAT_FUNCTIONS: Record<string, (x: number) => number> = {
  SQRT: (x) => {
    if (!(x >= 0)) throw new RefError();
    return Math.sqrt(x);
  },
  LN: (x) => {
    if (!(x > 0)) throw new RefError();
    return Math.log(x);
  },
  ABS: Math.abs,
  FLOOR: Math.floor,
  CEIL: Math.ceil,
  TRUNC: Math.trunc,
  SIN: Math.sin,
  COS: Math.cos,
  EXP: Math.exp,
  ATAN: Math.atan,
  SGN: Math.sign,
  NEG: (x) => -x,
};

function evalFloat(e: Expr, vars: Record<string, number>): number {
  switch (e.k) {
    case 'num':
      return Number(e.value);
    case 'var':
      return vars[e.name];
    case 'unary':
      return e.op === '-' ? -evalFloat(e.arg, vars) : evalFloat(e.arg, vars);
    case 'ternary':
      return evalFloat(e.cond, vars) !== 0 ? evalFloat(e.then, vars) : evalFloat(e.else, vars);
    case 'call':
      return FLOAT_FUNCTIONS[e.name](evalFloat(e.arg, vars));
    case 'binary': {
      const a = evalFloat(e.left, vars);
      if (e.op === '&&') return a !== 0 && evalFloat(e.right, vars) !== 0 ? 1 : 0;
      if (e.op === '||') return a !== 0 || evalFloat(e.right, vars) !== 0 ? 1 : 0;
      const b = evalFloat(e.right, vars);
      switch (e.op) {
        case '+':
          return a + b;
        case '-':
          return a - b;
        case '*':
          return a * b;
        case '/':
          if (b === 0) throw new RefError();
          return a / b;
        case '%':
          if (b === 0) throw new RefError();
          return a % b;
        case '**':
          return a ** b;
        case '<':
          return a < b ? 1 : 0;
        case '<=':
          return a <= b ? 1 : 0;
        case '>':
          return a > b ? 1 : 0;
        case '>=':
          return a >= b ? 1 : 0;
        case '=':
          return a === b ? 1 : 0;
        default:
          return a !== b ? 1 : 0; // '<>'
      }
    }
  }
}

// --- generators ---------------------------------------------------------------------------------

const INTERESTING = [
  0n,
  1n,
  2n,
  3n,
  7n,
  63n,
  64n,
  65n,
  255n,
  0x7fffffffn,
  0x80000000n,
  0xffffffffn,
  2n ** 62n,
  2n ** 63n - 1n,
  -(2n ** 63n),
  -1n,
  -2n,
  -7n,
];
const int64Value = fc.oneof(
  fc.constantFrom(...INTERESTING),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.bigInt({ min: -100n, max: 100n }),
);
/** Literals are unsigned in the text: a negative int64 is written as its two's complement in hex. */
const intLiteral: fc.Arbitrary<Expr> = fc.tuple(int64Value, fc.boolean()).map(([v, hex]) => {
  const unsigned = BigInt.asUintN(64, v);
  const text = hex || v < 0n ? `0x${unsigned.toString(16).toUpperCase()}` : unsigned.toString();
  return { k: 'num', text, value: v };
});
const VARIABLES = ['A', 'B', 'C'];

const INT_OPS = ['+', '-', '*', '/', '%', '&', '|', '^', '<<', '>>', '<', '<=', '>', '>=', '=', '<>', '&&', '||'];
function intExpr(depth: number): fc.Arbitrary<Expr> {
  const leaf = fc.oneof(
    intLiteral,
    fc.constantFrom(...VARIABLES).map((name): Expr => ({ k: 'var', name })),
  );
  if (depth === 0) return leaf;
  const sub = intExpr(depth - 1);
  return fc.oneof(
    { weight: 2, arbitrary: leaf },
    {
      weight: 4,
      arbitrary: fc.tuple(fc.constantFrom(...INT_OPS), sub, sub).map(([op, left, right]): Expr => ({ k: 'binary', op, left, right })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(sub, fc.integer({ min: 0, max: 70 }))
        .map(([left, n]): Expr => ({ k: 'binary', op: '**', left, right: { k: 'num', text: String(n), value: BigInt(n) } })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom('-', '+', '~') as fc.Arbitrary<'-' | '+' | '~'>, sub)
        .map(([op, arg]): Expr => ({ k: 'unary', op, arg })),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(sub, sub, sub).map(([cond, then, otherwise]): Expr => ({ k: 'ternary', cond, then, else: otherwise })),
    },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('SGN', 'NEG', 'ABS'), sub).map(([name, arg]): Expr => ({ k: 'call', name, arg })) },
  );
}

const floatLiteral: fc.Arbitrary<Expr> = fc.oneof(
  fc
    .constantFrom('0', '1', '2', '1.5', '.5', '2.', '1e3', '2.5e-1', '1e308', '1e-308', '3.14159', '0.1', '10')
    .map((text): Expr => ({ k: 'num', text, value: Number(text) })),
  fc.double({ min: 0, max: 1e6, noNaN: true }).map((v): Expr => {
    const text = String(v).includes('e') || String(v).includes('.') ? String(v) : `${v}.0`;
    return { k: 'num', text, value: Number(text) };
  }),
);
const FLOAT_OPS = ['+', '-', '*', '/', '%', '**', '<', '<=', '>', '>=', '=', '<>', '&&', '||'];
function floatExpr(depth: number): fc.Arbitrary<Expr> {
  const leaf = fc.oneof(
    floatLiteral,
    fc.constantFrom(...VARIABLES).map((name): Expr => ({ k: 'var', name })),
  );
  if (depth === 0) return leaf;
  const sub = floatExpr(depth - 1);
  return fc.oneof(
    { weight: 2, arbitrary: leaf },
    {
      weight: 4,
      arbitrary: fc.tuple(fc.constantFrom(...FLOAT_OPS), sub, sub).map(([op, left, right]): Expr => ({ k: 'binary', op, left, right })),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom('-', '+') as fc.Arbitrary<'-' | '+'>, sub).map(([op, arg]): Expr => ({ k: 'unary', op, arg })),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(sub, sub, sub).map(([cond, then, otherwise]): Expr => ({ k: 'ternary', cond, then, else: otherwise })),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom(...Object.keys(FLOAT_FUNCTIONS)), sub).map(([name, arg]): Expr => ({ k: 'call', name, arg })),
    },
  );
}

const space = fc.constantFrom(' ', '', '\t', '\n ', '  ');
const TIME_BOUND_MS = 5000;

/** Compiles and evaluates; a FORMULA_* GigeError comes back as its code. */
function engine(source: string, flavour: 'integer' | 'float', vars: Record<string, Num>): Num | string {
  let result: Num | undefined;
  const err = caught(() => {
    const formula = compileFormula('Fuzz', source, flavour, { variables: VARIABLES });
    result = formula.evaluate(formula.bindings.map((b) => vars[b.declared]));
  });
  if (err === undefined) return result!;
  assert.ok(isGigeError(err) && /^FORMULA_/.test(err.code), `${flavour} ${source}: threw ${inspect(err)}`);
  return err.code;
}

function reference<T extends Num>(evaluate: () => T): T | 'FORMULA_EVALUATION' {
  try {
    return evaluate();
  } catch (err) {
    if (err instanceof RefError) return 'FORMULA_EVALUATION';
    throw err;
  }
}

const FORMULA_ALPHABET = [...'0123456789abcxABCXE.+-*/%&|^~<>=?:(),_ \t'].concat([
  '**',
  '<<',
  '>>',
  '<>',
  '&&',
  '||',
  'SQRT(',
  'ROUND(',
  'PI',
  'A.Max',
  '0x',
  'e9',
  '1e309',
]);

describe('genicam formula fuzzing (fast-check)', () => {
  fuzzIt('integer formulas agree with the reference, printed with all or only the needed parentheses', 2000, () =>
    fc.property(intExpr(5), fc.tuple(int64Value, int64Value, int64Value), space, (expr, [A, B, C], gap) => {
      const vars = { A, B, C };
      const expected = reference(() => evalInt(expr, vars));
      const full = fullyParenthesised(expr);
      const tight = minimal(expr, gap).text;
      assert.deepEqual(engine(full, 'integer', vars), expected, `full: ${full}`);
      assert.deepEqual(engine(tight, 'integer', vars), expected, `minimal: ${tight}`);
    }),
  );

  fuzzIt('float formulas agree with the reference in doubles (NaN is an error)', 2000, () =>
    fc.property(
      floatExpr(5),
      fc.tuple(fc.double({ noNaN: true }), fc.double({ min: -10, max: 10, noNaN: true }), fc.constantFrom(0, -0, 1, -1, 0.5)),
      space,
      (expr, [A, B, C], gap) => {
        const vars = { A, B, C };
        let expected: number | string = reference(() => evalFloat(expr, vars));
        if (typeof expected === 'number' && Number.isNaN(expected)) expected = 'FORMULA_EVALUATION';
        const full = fullyParenthesised(expr);
        const tight = minimal(expr, gap).text;
        assert.deepEqual(engine(full, 'float', vars), expected, `full: ${full}`);
        assert.deepEqual(engine(tight, 'float', vars), expected, `minimal: ${tight}`);
      },
    ),
  );

  fuzzIt('arbitrary text compiles or fails with one FORMULA_* error, quickly, quoting at most a bounded excerpt', 3000, () =>
    fc.property(
      fc.oneof(
        fc.string({ unit: 'binary', maxLength: 80 }),
        fc.array(fc.constantFrom(...FORMULA_ALPHABET), { maxLength: 60 }).map((t) => t.join('')),
      ),
      fc.constantFrom<'integer' | 'float'>('integer', 'float'),
      int64Value,
      (source, flavour, value) => {
        const started = Date.now();
        const err = caught(() => {
          const formula = compileFormula('Fuzz', source, flavour, { variables: VARIABLES });
          formula.evaluate(formula.bindings.map(() => (flavour === 'integer' ? value : Number(value))));
        });
        if (err !== undefined) {
          assert.ok(
            isGigeError(err) && /^FORMULA_(SYNTAX|UNKNOWN_VARIABLE|EVALUATION|TOO_COMPLEX)$/.test(err.code),
            `${JSON.stringify(source)}: ${inspect(err)}`,
          );
          assert.ok(err.message.length < 1000, `a ${err.message.length}-character message`);
        }
        assert.ok(Date.now() - started < TIME_BOUND_MS);
      },
    ),
  );

  fuzzIt('expressions using each other (chains, doubling, cycles) compile within the bounds or are refused', 500, () =>
    fc.property(
      fc.array(fc.array(fc.constantFrom('A', 'B', 'E0', 'E1', 'E2', 'E3', 'E4', 'E5', '1', '2'), { minLength: 1, maxLength: 4 }), {
        minLength: 6,
        maxLength: 6,
      }),
      fc.array(fc.constantFrom('+', '*', '-', '&', '<<', '>>', '/'), { minLength: 3, maxLength: 3 }),
      (operands, ops) => {
        const expressions = Object.fromEntries(operands.map((terms, i) => [`E${i}`, terms.join(` ${ops[i % ops.length]} `)]));
        const started = Date.now();
        const err = caught(() => {
          const formula = compileFormula('Fuzz', 'E5 + E0', 'integer', { variables: ['A', 'B'], expressions });
          formula.evaluate(formula.bindings.map(() => 3n));
        });
        if (err !== undefined)
          assert.ok(isGigeError(err) && /^FORMULA_/.test(err.code), `${JSON.stringify(expressions)}: ${(err as Error)?.stack}`);
        assert.ok(Date.now() - started < TIME_BOUND_MS, `${Date.now() - started} ms for ${JSON.stringify(expressions)}`);
      },
    ),
  );
});
