import { FormulaSyntaxError, Token, tokenize } from './lexer';

export type Ast =
  | { type: 'num'; value: bigint | number }
  | { type: 'var'; name: string; pos: number }
  | { type: 'unary'; op: string; arg: Ast }
  | { type: 'binary'; op: string; left: Ast; right: Ast }
  | { type: 'ternary'; cond: Ast; then: Ast; else: Ast }
  | { type: 'call'; name: string; args: Ast[]; pos: number };

/**
 * Binary operators and their binding strength (higher binds tighter); all left-associative
 * except `**`. `=` is equality and `<>` inequality: the language has no `==`/`!=`.
 */
const BINARY_PRECEDENCE: Record<string, number> = {
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

const MAX_NESTING = 200;

/** Function name → allowed argument counts. Names are matched case-insensitively. */
export const FUNCTIONS: Record<string, number[]> = {
  SGN: [1],
  NEG: [1],
  ABS: [1],
  SQRT: [1],
  TRUNC: [1],
  FLOOR: [1],
  CEIL: [1],
  ROUND: [1, 2],
  EXP: [1],
  LN: [1],
  LG: [1],
  SIN: [1],
  COS: [1],
  TAN: [1],
  ASIN: [1],
  ACOS: [1],
  ATAN: [1],
  PI: [0],
  E: [0],
};

/**
 * Precedence climbing. Unary operators bind tighter than `**` (so `-2**2` is 4), as in Aravis,
 * our interop peer; `2**-1` still works because the right operand of `**` is itself unary.
 */
export function parseFormula(source: string): Ast {
  const tokens = tokenize(source);
  let index = 0;
  const peek = (): Token => tokens[index];
  const next = (): Token => tokens[index++];
  const isOp = (op: string): boolean => {
    const token = peek();
    return token.kind === 'op' && token.op === op;
  };
  const describe = (token: Token): string => {
    switch (token.kind) {
      case 'end':
        return 'end of formula';
      case 'op':
        return `'${token.op}'`;
      case 'ident':
        return `'${token.name}'`;
      default:
        return `'${String(token.value)}'`;
    }
  };
  const expect = (op: string): void => {
    const token = next();
    if (token.kind !== 'op' || token.op !== op) {
      throw new FormulaSyntaxError(`expected '${op}' but found ${describe(token)}`, token.pos);
    }
  };

  let depth = 0;
  const parseTernary = (): Ast => {
    // Real formulas nest a few levels; a bound keeps a hostile file from exhausting the stack.
    if (++depth > MAX_NESTING) throw new FormulaSyntaxError(`nested more than ${MAX_NESTING} levels deep`, peek().pos);
    try {
      return parseConditional();
    } finally {
      depth -= 1;
    }
  };

  const parseConditional = (): Ast => {
    const cond = parseBinary(0);
    if (!isOp('?')) return cond;
    next();
    const whenTrue = parseTernary();
    expect(':');
    const whenFalse = parseTernary();
    return { type: 'ternary', cond, then: whenTrue, else: whenFalse };
  };

  const parseBinary = (minPrecedence: number): Ast => {
    let left = parseUnary();
    for (;;) {
      const token = peek();
      if (token.kind !== 'op') break;
      const precedence = BINARY_PRECEDENCE[token.op];
      if (precedence === undefined || precedence <= minPrecedence) break;
      next();
      let right: Ast;
      if (token.op === '**') {
        // `**` is right-associative, so a chain recurses once per operator: count it as nesting.
        if (++depth > MAX_NESTING) throw new FormulaSyntaxError(`nested more than ${MAX_NESTING} levels deep`, token.pos);
        try {
          right = parseBinary(precedence - 1);
        } finally {
          depth -= 1;
        }
      } else {
        right = parseBinary(precedence);
      }
      left = { type: 'binary', op: token.op, left, right };
    }
    return left;
  };

  const parseUnary = (): Ast => {
    let token = peek();
    const ops: string[] = [];
    while (token.kind === 'op' && (token.op === '-' || token.op === '+' || token.op === '~')) {
      if (ops.length >= MAX_NESTING) throw new FormulaSyntaxError(`more than ${MAX_NESTING} unary operators in a row`, token.pos);
      ops.push(token.op);
      next();
      token = peek();
    }
    let ast = parsePrimary();
    for (let i = ops.length - 1; i >= 0; i -= 1) ast = { type: 'unary', op: ops[i], arg: ast };
    return ast;
  };

  const parsePrimary = (): Ast => {
    const token = next();
    switch (token.kind) {
      case 'int':
      case 'float':
        return { type: 'num', value: token.value };
      case 'ident': {
        if (!isOp('(')) return { type: 'var', name: token.name, pos: token.pos };
        const name = token.name.toUpperCase();
        const arities = FUNCTIONS[name];
        if (!arities) {
          throw new FormulaSyntaxError(`unknown function ${token.name}() (known: ${Object.keys(FUNCTIONS).join(', ')})`, token.pos);
        }
        next();
        const args: Ast[] = [];
        if (!isOp(')')) {
          args.push(parseTernary());
          while (isOp(',')) {
            next();
            args.push(parseTernary());
          }
        }
        expect(')');
        if (!arities.includes(args.length)) {
          throw new FormulaSyntaxError(`${name}() takes ${arities.join(' or ')} argument(s), got ${args.length}`, token.pos);
        }
        return { type: 'call', name, args, pos: token.pos };
      }
      case 'op':
        if (token.op === '(') {
          const inner = parseTernary();
          expect(')');
          return inner;
        }
        throw new FormulaSyntaxError(`unexpected ${describe(token)}`, token.pos);
      case 'end':
        throw new FormulaSyntaxError('unexpected end of formula', token.pos);
    }
  };

  const ast = parseTernary();
  const trailing = peek();
  if (trailing.kind !== 'end') throw new FormulaSyntaxError(`unexpected ${describe(trailing)} after a complete expression`, trailing.pos);
  return ast;
}
