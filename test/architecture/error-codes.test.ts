/**
 * One list of error codes (lib/errors.ts GIGE_ERROR_CODES): every code the code base raises is in
 * it, every code in it is raised somewhere, and docs/errors.md documents exactly these codes with
 * the same words. The compiler already refuses an unknown literal passed to GigeError; this test
 * also covers what it cannot see: the native core's codes (C++ strings) and codes tested with
 * isGigeError() through loosely typed values.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { GIGE_ERROR_CODES } from '../../lib/errors';
import { ROOT, sourceFiles } from './support/sources';

const listed = new Set(Object.keys(GIGE_ERROR_CODES));

/** String literals an expression can evaluate to (through ?:, ??, || and parentheses). */
function literals(node: ts.Expression): string[] {
  if (ts.isStringLiteralLike(node)) return [node.text];
  if (ts.isParenthesizedExpression(node)) return literals(node.expression);
  if (ts.isConditionalExpression(node)) return [...literals(node.whenTrue), ...literals(node.whenFalse)];
  if (ts.isBinaryExpression(node) && [ts.SyntaxKind.QuestionQuestionToken, ts.SyntaxKind.BarBarToken].includes(node.operatorToken.kind)) {
    return [...literals(node.left), ...literals(node.right)];
  }
  return [];
}

interface Use {
  code: string;
  where: string;
}

/** Codes in `new GigeError(code, …)`, `new GvcpError(code, …)` and `isGigeError(err, code)`. */
function codesRaisedIn(file: string): Use[] {
  const text = fs.readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const uses: Use[] = [];
  const visit = (node: ts.Node): void => {
    let arg: ts.Expression | undefined;
    if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && /^(Gige|Gvcp)Error$/.test(node.expression.text))
      arg = node.arguments?.[0];
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'isGigeError') arg = node.arguments[1];
    if (arg) {
      const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
      for (const code of literals(arg)) uses.push({ code, where: `${path.relative(ROOT, file)}:${line}` });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return uses;
}

/** The native core's error codes: `constexpr const char* kErr… = "CODE";` in native/src. */
function nativeCodes(): Use[] {
  const uses: Use[] = [];
  const dir = path.join(ROOT, 'native', 'src');
  for (const name of fs.readdirSync(dir)) {
    const text = fs.readFileSync(path.join(dir, name), 'utf8');
    for (const m of text.matchAll(/constexpr const char\*\s+kErr\w*\s*=\s*"([A-Z0-9_]+)"/g))
      uses.push({ code: m[1], where: `native/src/${name}` });
  }
  return uses;
}

describe('architecture: one list of error codes', () => {
  const files = sourceFiles(['lib', 'nodes', 'bin']);
  const raised = [...files.flatMap(codesRaisedIn), ...nativeCodes()];

  it('finds the codes it checks (the scan itself works)', () => {
    assert.ok(raised.length > 200, `only ${raised.length} raised codes found`);
    assert.ok(raised.some((u) => u.code === 'GVCP_TIMEOUT'));
    assert.ok(raised.some((u) => u.code === 'CLOSED' && u.where.startsWith('native/')));
  });

  it('every code raised in lib/, nodes/, bin/ and native/src is listed in GIGE_ERROR_CODES', () => {
    const unknown = raised.filter((u) => !listed.has(u.code)).map((u) => `${u.code} (${u.where})`);
    assert.deepEqual(unknown, [], `codes missing from GIGE_ERROR_CODES (lib/errors.ts) and docs/errors.md: ${unknown.join(', ')}`);
  });

  it('every listed code is used somewhere in lib/, nodes/, bin/ or native/src', () => {
    const errorsFile = path.join(ROOT, 'lib', 'errors.ts');
    const texts = [
      ...files.filter((f) => f !== errorsFile),
      ...fs.readdirSync(path.join(ROOT, 'native', 'src')).map((n) => path.join(ROOT, 'native', 'src', n)),
    ]
      .map((f) => fs.readFileSync(f, 'utf8'))
      .join('\n');
    const unused = [...listed].filter((code) => !new RegExp(`['"\`]${code}['"\`]`).test(texts));
    assert.deepEqual(unused, [], `listed but never raised (remove them from lib/errors.ts and docs/errors.md): ${unused.join(', ')}`);
  });

  it('docs/errors.md documents exactly the listed codes, with the same meaning', () => {
    const doc = fs.readFileSync(path.join(ROOT, 'docs', 'errors.md'), 'utf8');
    const rows = new Map([...doc.matchAll(/^\| `([A-Z0-9_]+)` \| (.*) \|$/gm)].map((m) => [m[1], m[2]]));
    assert.deepEqual([...rows.keys()].sort(), [...listed].sort());
    for (const [code, meaning] of Object.entries(GIGE_ERROR_CODES)) assert.equal(rows.get(code), meaning, `docs/errors.md row for ${code}`);
  });
});
