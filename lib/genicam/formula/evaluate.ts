/**
 * Arithmetic of the formula language. Two flavours, chosen per formula when it is compiled:
 *
 * - float (SwissKnife, Converter): every value is an IEEE double, as GenApi's floating-point
 *   parser does; bit and shift operators work on the int64 truncation of their operands.
 * - integer (IntSwissKnife, IntConverter, address formulas): values keep a type. Integers are
 *   exact int64 (`bigint`, wrapping on overflow like two's complement C), `/` and `%` truncate
 *   toward zero; a float literal, a Float variable or a floating-point function (SQRT, SIN, …)
 *   makes a double, and an operation with a double operand is done in doubles. The result is
 *   truncated toward zero to int64 at the end.
 *
 * Division or remainder by zero, a shift by a negative count, a domain error (SQRT(-1), LN(0),
 * ASIN(2)) and a NaN or infinite value where an integer is needed are errors, never NaN.
 */
export type Num = bigint | number;

export class FormulaEvaluationError extends Error {}

export function truthy(value: Num): boolean {
  return value !== 0n && value !== 0;
}

export function toInt64(value: Num): bigint {
  if (typeof value === 'bigint') return value;
  if (!Number.isFinite(value)) throw new FormulaEvaluationError(`${value} cannot be used as an integer`);
  return BigInt.asIntN(64, BigInt(Math.trunc(value)));
}

function shiftCount(count: Num): number {
  const n = toInt64(count);
  if (n < 0n) throw new FormulaEvaluationError(`shift by a negative count (${n})`);
  return n > 64n ? 64 : Number(n);
}

function powInt(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  let factor = base;
  let remaining = exponent;
  while (remaining > 0n) {
    if (remaining & 1n) result = BigInt.asIntN(64, result * factor);
    factor = BigInt.asIntN(64, factor * factor);
    remaining >>= 1n;
  }
  return result;
}

function bitwise(op: string, a: bigint, b: bigint): bigint {
  switch (op) {
    case '&':
      return a & b;
    case '|':
      return a | b;
    case '^':
      return a ^ b;
    case '<<': {
      const n = shiftCount(b);
      return n >= 64 ? 0n : BigInt.asIntN(64, a << BigInt(n));
    }
    default: {
      // '>>' arithmetic, as on a signed int64
      const n = shiftCount(b);
      return n >= 64 ? (a < 0n ? -1n : 0n) : a >> BigInt(n);
    }
  }
}

const BITWISE = new Set(['&', '|', '^', '<<', '>>']);

/** Integer-flavour binary operator (typed values). */
export function binaryTyped(op: string, a: Num, b: Num): Num {
  if (BITWISE.has(op)) return bitwise(op, toInt64(a), toInt64(b));
  switch (op) {
    case '<':
      return a < b ? 1n : 0n;
    case '<=':
      return a <= b ? 1n : 0n;
    case '>':
      return a > b ? 1n : 0n;
    case '>=':
      return a >= b ? 1n : 0n;
    // Loose equality compares a bigint and a double exactly (1n == 1 but 1n != 1.5).
    case '=':
      return a == b ? 1n : 0n; // eslint-disable-line eqeqeq
    case '<>':
      return a != b ? 1n : 0n; // eslint-disable-line eqeqeq
  }
  if (typeof a === 'bigint' && typeof b === 'bigint') {
    switch (op) {
      case '+':
        return BigInt.asIntN(64, a + b);
      case '-':
        return BigInt.asIntN(64, a - b);
      case '*':
        return BigInt.asIntN(64, a * b);
      case '/':
        if (b === 0n) throw new FormulaEvaluationError('division by zero');
        return BigInt.asIntN(64, a / b);
      case '%':
        if (b === 0n) throw new FormulaEvaluationError('remainder of a division by zero');
        return a % b;
      case '**':
        return b < 0n ? Math.pow(Number(a), Number(b)) : powInt(a, b);
    }
  }
  return binaryFloat(op, Number(a), Number(b));
}

/** Float-flavour binary operator. */
export function binaryFloat(op: string, a: number, b: number): number {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      if (b === 0) throw new FormulaEvaluationError('division by zero');
      return a / b;
    case '%':
      if (b === 0) throw new FormulaEvaluationError('remainder of a division by zero');
      return a % b;
    case '**':
      return Math.pow(a, b);
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
    case '<>':
      return a !== b ? 1 : 0;
    default:
      return Number(bitwise(op, toInt64(a), toInt64(b)));
  }
}

export function unaryTyped(op: string, a: Num): Num {
  if (op === '+') return a;
  if (op === '~') return ~toInt64(a);
  return typeof a === 'bigint' ? BigInt.asIntN(64, -a) : -a;
}

export function unaryFloat(op: string, a: number): number {
  if (op === '+') return a;
  if (op === '~') return Number(~toInt64(a));
  return -a;
}

function roundHalfAwayFromZero(x: number): number {
  return x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5);
}

function domain(name: string, x: number, ok: boolean, allowed: string): number {
  if (!ok) throw new FormulaEvaluationError(`${name}(${x}) is undefined; allowed ${allowed}`);
  return x;
}

/** Floating-point functions (shared by both flavours). */
export function floatFunction(name: string, x: number): number {
  switch (name) {
    case 'SGN':
      return Math.sign(x);
    case 'NEG':
      return -x;
    case 'ABS':
      return Math.abs(x);
    case 'SQRT':
      return Math.sqrt(domain(name, x, x >= 0, 'x ≥ 0'));
    case 'TRUNC':
      return Math.trunc(x);
    case 'FLOOR':
      return Math.floor(x);
    case 'CEIL':
      return Math.ceil(x);
    case 'ROUND':
      return roundHalfAwayFromZero(x);
    case 'EXP':
      return Math.exp(x);
    case 'LN':
      return Math.log(domain(name, x, x > 0, 'x > 0'));
    case 'LG':
      return Math.log10(domain(name, x, x > 0, 'x > 0'));
    case 'SIN':
      return Math.sin(x);
    case 'COS':
      return Math.cos(x);
    case 'TAN':
      return Math.tan(x);
    case 'ASIN':
      return Math.asin(domain(name, x, x >= -1 && x <= 1, '-1 ≤ x ≤ 1'));
    case 'ACOS':
      return Math.acos(domain(name, x, x >= -1 && x <= 1, '-1 ≤ x ≤ 1'));
    case 'ATAN':
      return Math.atan(x);
    default:
      throw new FormulaEvaluationError(`unknown function ${name}`);
  }
}

export function roundTo(x: number, decimals: Num): number {
  const n = Number(toInt64(decimals));
  if (n < 0 || n > 15) throw new FormulaEvaluationError(`ROUND precision ${n} is out of range; allowed 0…15`);
  const scale = 10 ** n;
  return roundHalfAwayFromZero(x * scale) / scale;
}

/**
 * Integer-flavour functions: SGN, NEG, ABS keep an integer argument exact; TRUNC, FLOOR, CEIL and
 * one-argument ROUND turn a double into an integer; the rest are floating-point.
 */
export function typedFunction(name: string, args: Num[]): Num {
  const x = args[0];
  if (name === 'ROUND' && args.length === 2) return typeof x === 'bigint' ? x : roundTo(x, args[1]);
  if (typeof x === 'bigint') {
    switch (name) {
      case 'SGN':
        return x > 0n ? 1n : x < 0n ? -1n : 0n;
      case 'NEG':
        return BigInt.asIntN(64, -x);
      case 'ABS':
        return BigInt.asIntN(64, x < 0n ? -x : x);
      case 'TRUNC':
      case 'FLOOR':
      case 'CEIL':
      case 'ROUND':
        return x;
    }
    return floatFunction(name, Number(x));
  }
  switch (name) {
    case 'TRUNC':
    case 'FLOOR':
    case 'CEIL':
    case 'ROUND':
      return toInt64(floatFunction(name, x));
  }
  return floatFunction(name, x);
}
