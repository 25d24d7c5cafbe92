import { strict as assert } from 'node:assert';
import { compileFormula } from '../../lib/genicam';
import type { Num } from '../../lib/genicam/formula';

type Flavour = 'integer' | 'float';
/** [formula, flavour, expected value or error pattern, variables] */
type Case = [string, Flavour, Num | RegExp, Record<string, Num>?];

const I = 'integer' as const;
const F = 'float' as const;
const MAX = 9223372036854775807n;
const MIN = -9223372036854775808n;

const cases: Case[] = [
  // literals
  ['42', I, 42n],
  ['0x2A', I, 42n],
  ['0XFF', I, 255n],
  ['1.5', F, 1.5],
  ['.5', F, 0.5],
  ['2.', F, 2],
  ['1e3', F, 1000],
  ['2.5e-1', F, 0.25],
  ['0xFFFFFFFFFFFFFFFF', I, -1n],
  ['9223372036854775807', I, MAX],
  ['1.9', I, 1n],
  ['-1.9', I, -1n],
  // precedence and associativity
  ['1 + 2 * 3', I, 7n],
  ['(1 + 2) * 3', I, 9n],
  ['10 - 4 - 3', I, 3n],
  ['100 / 10 / 5', I, 2n],
  ['2 ** 3 ** 2', I, 512n],
  ['-2 ** 2', I, 4n],
  ['2 ** -1', I, 0n],
  ['2 ** -1', F, 0.5],
  ['1 + 2 << 3', I, 24n],
  ['1 << 2 + 3', I, 32n],
  ['1 < 2 = 1', I, 1n],
  ['3 & 6 = 2', I, 0n],
  ['(3 & 6) = 2', I, 1n],
  ['1 | 2 ^ 3', I, 1n],
  ['1 ^ 3 & 2', I, 3n],
  ['1 || 0 && 0', I, 1n],
  ['(1 || 0) && 0', I, 0n],
  ['2 * 3 % 4', I, 2n],
  ['7 % 4 * 2', I, 6n],
  ['-3 * -3', I, 9n],
  ['- - 3', I, 3n],
  ['+5', I, 5n],
  ['~0', I, -1n],
  ['~5 & 0xF', I, 10n],
  ['!1'.replace('!', '~') + ' & 1', I, 0n],
  // ternary
  ['1 ? 2 : 3', I, 2n],
  ['0 ? 2 : 3', I, 3n],
  ['1 ? 2 : 0 ? 3 : 4', I, 2n],
  ['0 ? 2 : 0 ? 3 : 4', I, 4n],
  ['0 ? 1 : 1 ? 5 : 6', I, 5n],
  ['1 + 1 ? 10 : 20', I, 10n],
  ['(0 ? 1 : 2) * 3', I, 6n],
  ['1 = 1 ? 0x10 : 0x20', I, 16n],
  ['0 ? 1/0 : 7', I, 7n],
  ['2.5 > 2 ? 1.5 : 0', F, 1.5],
  // comparisons and equality
  ['3 > 2', I, 1n],
  ['3 < 2', I, 0n],
  ['2 >= 2', I, 1n],
  ['2 <= 1', I, 0n],
  ['5 = 5', I, 1n],
  ['5 <> 5', I, 0n],
  ['5 <> 6', I, 1n],
  ['1.5 = 1.5', F, 1],
  ['1 = 1.0', I, 1n],
  ['1 = 1.5', I, 0n],
  ['-1 < 0', I, 1n],
  // logical
  ['0 && 1', I, 0n],
  ['2 && 3', I, 1n],
  ['0 || 0', I, 0n],
  ['0 || 7', I, 1n],
  ['0 && 1/0', I, 0n],
  ['1 || 1/0', I, 1n],
  ['0.5 && 1', F, 1],
  // bit operators and shifts
  ['0xF0 & 0x3C', I, 0x30n],
  ['0xF0 | 0x0F', I, 0xffn],
  ['0xFF ^ 0x0F', I, 0xf0n],
  ['1 << 40', I, 1n << 40n],
  ['1 << 63', I, MIN],
  ['1 << 64', I, 0n],
  ['-8 >> 1', I, -4n],
  ['-1 >> 100', I, -1n],
  ['256 >> 4', I, 16n],
  ['(0x12345678 >> 16) & 0xFF', I, 0x34n],
  ['5.7 & 3', F, 1],
  ['1 << 3.9', I, 8n],
  ['1 << -1', I, /negative count/],
  // integer arithmetic, wrap and division
  ['7 / 2', I, 3n],
  ['-7 / 2', I, -3n],
  ['7 % 3', I, 1n],
  ['-7 % 3', I, -1n],
  ['7 / 2', F, 3.5],
  ['7 % 2.5', F, 2],
  [`${MAX} + 1`, I, MIN],
  [`${MIN} - 1`, I, MAX],
  [`${MAX} * 2`, I, -2n],
  [`-${MAX} - 1`, I, MIN],
  [`${MIN} / -1`, I, MIN],
  ['2 ** 63', I, MIN],
  ['2 ** 64', I, 0n],
  ['3 ** 40', I, BigInt.asIntN(64, 3n ** 40n)],
  ['0 ** 0', I, 1n],
  ['4294967296 * 4294967296', I, 0n],
  ['1 / 0', I, /division by zero/],
  ['1 % 0', I, /remainder of a division by zero/],
  ['1.0 / 0', F, /division by zero/],
  ['5 / (2 - 2)', F, /division by zero/],
  ['1 / 3', F, 1 / 3],
  ['1 + 0.5', I, 1n],
  ['3 * 0.5 * 4', I, 6n],
  ['0.1 + 0.2', F, 0.1 + 0.2],
  // functions
  ['SGN(-5)', I, -1n],
  ['SGN(0)', I, 0n],
  ['SGN(2.5)', F, 1],
  ['NEG(5)', I, -5n],
  ['NEG(-2.5)', F, 2.5],
  ['ABS(-7)', I, 7n],
  ['ABS(-7.5)', F, 7.5],
  ['SQRT(16)', F, 4],
  ['SQRT(16)', I, 4n],
  ['SQRT(2)', I, 1n],
  ['SQRT(-1)', F, /SQRT\(-1\) is undefined; allowed x ≥ 0/],
  ['TRUNC(-2.7)', F, -2],
  ['TRUNC(-2.7)', I, -2n],
  ['FLOOR(-2.5)', F, -3],
  ['FLOOR(-2.5)', I, -3n],
  ['CEIL(2.1)', F, 3],
  ['CEIL(2.1)', I, 3n],
  ['ROUND(2.5)', F, 3],
  ['ROUND(-2.5)', F, -3],
  ['ROUND(2.4)', I, 2n],
  ['ROUND(1.23456, 2)', F, 1.23],
  ['ROUND(1.23456, 3)', I, 1n],
  ['ROUND(7, 2)', I, 7n],
  ['ROUND(1.5, -1)', F, /precision -1 is out of range/],
  ['EXP(0)', F, 1],
  ['EXP(1)', F, Math.E],
  ['LN(E)', F, 1],
  ['LN(0)', F, /LN\(0\) is undefined; allowed x > 0/],
  ['LG(1000)', F, 3],
  ['LG(-1)', F, /LG\(-1\) is undefined/],
  ['SIN(0)', F, 0],
  ['COS(0)', F, 1],
  ['TAN(0)', F, 0],
  ['ASIN(1)', F, Math.PI / 2],
  ['ACOS(1)', F, 0],
  ['ATAN(1)', F, Math.PI / 4],
  ['ASIN(2)', F, /ASIN\(2\) is undefined; allowed -1 ≤ x ≤ 1/],
  ['PI', F, Math.PI],
  ['E', F, Math.E],
  ['PI()', F, Math.PI],
  ['2 * PI', F, 2 * Math.PI],
  ['sqrt(9)', F, 3],
  ['Round(2.5)', I, 3n],
  ['FLOOR(PI)', I, 3n],
  ['ABS(NEG(3))', I, 3n],
  // variables (with dots), constants and expressions
  ['W * H', I, 1024n * 768n, { W: 1024n, H: 768n }],
  ['W / 3', F, 10 / 3, { W: 10n }],
  ['W / 3', I, 3n, { W: 10n }],
  ['G * 2', I, 5n, { G: 2.5 }],
  ['Width.Max - Width', I, 100n, { 'Width.Max': 600n, Width: 500n }],
  ['PF.Entry.Mono8 = PF', I, 1n, { 'PF.Entry.Mono8': 0x01080001n, PF: 0x01080001n }],
  ['(HI << 32) | LO', I, 0x1234567800000009n, { HI: 0x12345678n, LO: 9n }],
  ['X', F, 2 ** 60, { X: 1n << 60n }],
  ['VAR_1 + var_2', I, 3n, { VAR_1: 1n, var_2: 2n }],
  ['W ? W : 1', I, 1n, { W: 0n }],
  ['Q + 1', I, /unknown variable 'Q'/, { W: 1n }],
  ['w + 1', I, /unknown variable 'w' \(declared: W\)/, { W: 1n }],
  // malformed formulas
  ['', I, /unexpected end of formula/],
  ['1 +', I, /unexpected end of formula/],
  ['(1 + 2', I, /expected '\)' but found end of formula/],
  ['1 + 2)', I, /unexpected '\)' after a complete expression/],
  ['1 ? 2', I, /expected ':'/],
  ['1 == 1', I, /unexpected '='/],
  ['1 $ 2', I, /unexpected character '\$'/],
  ['FOO(1)', I, /unknown function FOO\(\)/],
  ['SIN(1, 2)', F, /SIN\(\) takes 1 argument\(s\), got 2/],
  ['ROUND()', F, /ROUND\(\) takes 1 or 2 argument\(s\), got 0/],
  ['0x', I, /hex literal without digits/],
  ['12abc', I, /malformed number/],
  ['18446744073709551616', I, /does not fit in 64 bits/],
  ['('.repeat(5000) + '1' + ')'.repeat(5000), I, /nested more than 200 levels deep/],
  ['-'.repeat(5000) + '1', I, /more than 200 unary operators in a row/],
  ['-'.repeat(200) + '1', I, 1n],
  ['* 3', I, /unexpected '\*'/],
  ['1 2', I, /unexpected '2' after a complete expression/],
  // hostile sizes: a clear error, never a stack overflow
  ['1+'.repeat(50000) + '1', I, /the formula is 100001 characters long; allowed at most 65536/],
  ['1**'.repeat(20000) + '1', I, /nested more than 200 levels deep/],
  ['1**'.repeat(150) + '1', I, 1n],
  ['1+'.repeat(3000) + '1', I, /nested more than 1000 levels deep with expressions expanded; allowed at most 1000/],
  ['1+'.repeat(900) + '1', I, 901n],
  [
    Array.from({ length: 40 }, () => `(${'1+'.repeat(299)}1)`).join('+'),
    I,
    /more than 10000 operations with expressions expanded; allowed at most 10000/,
  ],
];

describe('genicam formula engine', () => {
  it(`has at least 120 cases (${cases.length})`, () => {
    assert.ok(cases.length >= 120);
  });

  for (const [source, flavour, expected, variables = {}] of cases) {
    const label = `${flavour} ${JSON.stringify(source)}${Object.keys(variables).length ? ` with ${Object.keys(variables).join(',')}` : ''}`;
    it(`${label} → ${expected instanceof RegExp ? `error ${expected}` : String(expected)}`, () => {
      let result: Num;
      try {
        const formula = compileFormula('Node', source, flavour, { variables: Object.keys(variables) });
        result = formula.evaluate(formula.bindings.map((b) => variables[b.suffix ? `${b.declared}.${b.suffix}` : b.declared]));
      } catch (err) {
        if (!(expected instanceof RegExp)) throw err;
        const error = err as Error & { code?: string };
        assert.match(error.message, expected);
        assert.match(error.message, /^Node: formula "/, 'the error names the node and the formula');
        assert.match(error.code ?? '', /^FORMULA_(SYNTAX|UNKNOWN_VARIABLE|EVALUATION|TOO_COMPLEX)$/);
        assert.ok(error.message.length < 1000, `the message quotes a long formula in full (${error.message.length} characters)`);
        return;
      }
      assert.ok(!(expected instanceof RegExp), `expected an error ${expected}, got ${String(result)}`);
      if (typeof expected === 'number' && typeof result === 'number')
        assert.ok(Math.abs(result - expected) < 1e-12, `${result} ≉ ${expected}`);
      else assert.equal(result, expected);
      assert.equal(typeof result, flavour === 'integer' ? 'bigint' : 'number');
    });
  }

  it('binds a dotted token to the declared variable and its property suffix', () => {
    const formula = compileFormula('Node', 'W.Max - W + PF.Entry.Mono8', 'integer', { variables: ['W', 'PF'] });
    assert.deepEqual(formula.bindings, [{ declared: 'W', suffix: 'Max' }, { declared: 'W' }, { declared: 'PF', suffix: 'Entry.Mono8' }]);
  });

  it('inlines constants and expressions, and rejects self-referencing expressions', () => {
    const formula = compileFormula('Node', 'S * K', 'integer', {
      variables: ['A', 'B'],
      constants: { K: 3n },
      expressions: { S: 'A + B' },
    });
    assert.equal(formula.evaluate([2n, 5n]), 21n);
    assert.throws(
      () => compileFormula('Node', 'S', 'integer', { variables: [], expressions: { S: 'T + 1', T: 'S' } }),
      /expression S refers to itself \(S → T → S\)/,
    );
  });

  /** E0 = A, Ek = E(k-1) op E(k-1): each use doubles the inlined size. */
  const doubling = (n: number, op: string): Record<string, string> =>
    Object.fromEntries(Array.from({ length: n + 1 }, (_, k) => [`E${k}`, k === 0 ? 'A' : `E${k - 1} ${op} E${k - 1}`]));
  const expressionCases: [string, string, Record<string, string>, bigint | RegExp][] = [
    ['a doubling chain of 10 (about 4000 nodes expanded) still works', 'E10', doubling(10, '+'), 3n * 1024n],
    [
      'a doubling chain of 20 is refused, not expanded to 2^20 nodes',
      'E20',
      doubling(20, '+'),
      /more than 10000 operations with expressions expanded/,
    ],
    ['a doubling chain of 35 is refused at once (it used to freeze for hours)', 'E35', doubling(35, '*'), /more than 10000 operations/],
    [
      'a linear chain 600 deep is refused',
      'E600',
      Object.fromEntries(Array.from({ length: 601 }, (_, k) => [`E${k}`, k === 0 ? 'A' : `E${k - 1} + 1`])),
      /nested more than 1000 levels deep with expressions expanded/,
    ],
    [
      'a long expression text is refused',
      'X',
      { X: '1+'.repeat(40000) + '1' },
      /expression X is 80001 characters long; allowed at most 65536/,
    ],
  ];
  for (const [label, source, expressions, expected] of expressionCases) {
    it(`expressions: ${label}`, () => {
      const started = Date.now();
      const compile = (): bigint => compileFormula('Node', source, 'integer', { variables: ['A'], expressions }).evaluate([3n]) as bigint;
      if (expected instanceof RegExp) {
        assert.throws(compile, (e: Error & { code?: string }) => e.code === 'FORMULA_TOO_COMPLEX' && expected.test(e.message));
      } else {
        assert.equal(compile(), expected);
      }
      assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
    });
  }

  it('never crashes on random token soup: a value or one FORMULA_* error (3000 formulas)', () => {
    const pieces = [
      '1',
      '0',
      '-1',
      '0x7FFFFFFFFFFFFFFF',
      '2.5',
      '.5',
      'A',
      'B.Max',
      'PI',
      'E',
      '(',
      ')',
      '+',
      '-',
      '*',
      '/',
      '%',
      '**',
      '<<',
      '>>',
      '&',
      '|',
      '^',
      '~',
      '&&',
      '||',
      '=',
      '<>',
      '<',
      '>=',
      '?',
      ':',
      ',',
      'SQRT(',
      'ROUND(',
      'LN(',
      'ABS(',
      'SGN(',
      'Q',
      '$',
      '1e309',
    ];
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    let values = 0;
    for (let i = 0; i < 3000; i += 1) {
      const source = Array.from({ length: 1 + random(12) }, () => pieces[random(pieces.length)]).join(' ');
      for (const flavour of ['integer', 'float'] as const) {
        try {
          const formula = compileFormula('Node', source, flavour, { variables: ['A', 'B'] });
          formula.evaluate(formula.bindings.map(() => (random(2) ? 3n : -7.25)));
          values += 1;
        } catch (err) {
          assert.match(
            (err as { code?: string }).code ?? String(err),
            /^FORMULA_(SYNTAX|UNKNOWN_VARIABLE|EVALUATION)$/,
            `${flavour} ${source}: ${(err as Error).stack}`,
          );
        }
      }
    }
    assert.ok(values > 100, `only ${values} formulas evaluated`);
  });

  it('parses once: evaluating never re-reads the source text', () => {
    const formula = compileFormula('Node', '(A + B) * 2', 'integer', { variables: ['A', 'B'] });
    Object.defineProperty(formula, 'source', {
      get: () => {
        throw new Error('source read during evaluation');
      },
    });
    for (let i = 0n; i < 100n; i += 1n) assert.equal(formula.evaluate([i, 1n]), (i + 1n) * 2n);
  });
});
