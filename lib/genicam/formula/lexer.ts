/**
 * Tokens of the GenICam formula language (SwissKnife, IntSwissKnife, Converter). Identifiers may
 * contain dots (`Width.Max`, `PixelFormat.Entry.Mono8`): a variable name with a property suffix is
 * one token, as the schema's VariableName_t says.
 */
export type Token =
  | { kind: 'int'; value: bigint; pos: number }
  | { kind: 'float'; value: number; pos: number }
  | { kind: 'ident'; name: string; pos: number }
  | { kind: 'op'; op: string; pos: number }
  | { kind: 'end'; pos: number };

/** Longest first, so that `**` is not read as two `*` and `<=` not as `<` `=`. */
const OPERATORS = [
  '**',
  '<<',
  '>>',
  '<=',
  '>=',
  '<>',
  '&&',
  '||',
  '(',
  ')',
  ',',
  '?',
  ':',
  '+',
  '-',
  '*',
  '/',
  '%',
  '~',
  '<',
  '>',
  '=',
  '&',
  '^',
  '|',
];

export class FormulaSyntaxError extends Error {
  constructor(
    message: string,
    readonly pos: number,
  ) {
    super(message);
  }
}

const UINT64_LIMIT = 1n << 64n;

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i += 1;
      continue;
    }
    const start = i;
    if (isDigit(c) || (c === '.' && isDigit(source[i + 1] ?? ''))) {
      const token = readNumber(source, i);
      tokens.push(token.token);
      i = token.end;
      continue;
    }
    if (isIdentStart(c)) {
      i += 1;
      while (i < source.length) {
        if (isIdentPart(source[i])) i += 1;
        else if (source[i] === '.' && isIdentStart(source[i + 1] ?? '')) i += 2;
        else break;
      }
      tokens.push({ kind: 'ident', name: source.slice(start, i), pos: start });
      continue;
    }
    const op = OPERATORS.find((candidate) => source.startsWith(candidate, i));
    if (!op) throw new FormulaSyntaxError(`unexpected character '${c}'`, i);
    tokens.push({ kind: 'op', op, pos: i });
    i += op.length;
  }
  tokens.push({ kind: 'end', pos: source.length });
  return tokens;
}

function readNumber(source: string, start: number): { token: Token; end: number } {
  let i = start;
  if (source[i] === '0' && (source[i + 1] === 'x' || source[i + 1] === 'X')) {
    i += 2;
    const digitsStart = i;
    while (i < source.length && /[0-9a-fA-F]/.test(source[i])) i += 1;
    if (i === digitsStart) throw new FormulaSyntaxError('hex literal without digits', start);
    if (isIdentPart(source[i] ?? '')) throw new FormulaSyntaxError(`malformed number '${source.slice(start, i + 1)}'`, start);
    return { token: { kind: 'int', value: checkedInteger(BigInt(source.slice(start, i)), start), pos: start }, end: i };
  }
  while (i < source.length && isDigit(source[i])) i += 1;
  let isFloat = false;
  if (source[i] === '.' && !isIdentStart(source[i + 1] ?? '')) {
    isFloat = true;
    i += 1;
    while (i < source.length && isDigit(source[i])) i += 1;
  }
  if ((source[i] === 'e' || source[i] === 'E') && /[0-9+-]/.test(source[i + 1] ?? '')) {
    const save = i;
    i += 1;
    if (source[i] === '+' || source[i] === '-') i += 1;
    if (isDigit(source[i] ?? '')) {
      isFloat = true;
      while (i < source.length && isDigit(source[i])) i += 1;
    } else {
      i = save;
    }
  }
  if (isIdentPart(source[i] ?? '')) throw new FormulaSyntaxError(`malformed number '${source.slice(start, i + 1)}'`, start);
  const text = source.slice(start, i);
  if (isFloat) return { token: { kind: 'float', value: Number(text), pos: start }, end: i };
  return { token: { kind: 'int', value: checkedInteger(BigInt(text), start), pos: start }, end: i };
}

/** Literals up to 2^64 − 1 are accepted and read as two's complement int64 (0xFFFFFFFFFFFFFFFF = −1), as in C. */
function checkedInteger(value: bigint, pos: number): bigint {
  if (value >= UINT64_LIMIT) throw new FormulaSyntaxError(`integer literal ${value} does not fit in 64 bits`, pos);
  return BigInt.asIntN(64, value);
}

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

function isIdentStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
}

function isIdentPart(c: string): boolean {
  return isIdentStart(c) || isDigit(c);
}
