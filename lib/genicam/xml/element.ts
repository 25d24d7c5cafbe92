import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { GigeError } from '../../errors';

/** A parsed XML element: just what GenApi needs (tag, attributes, children, text). */
export interface XmlElement {
  tag: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

type OrderedNode = Record<string, unknown>;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  removeNSPrefix: true,
  processEntities: true,
});

export function invalidXml(message: string, details: Record<string, unknown> = {}): GigeError {
  return new GigeError('XML_INVALID', `GenICam XML: ${message}`, details);
}

/** Parses XML text into elements, turning syntax errors (truncation included) into one clear error. */
export function parseXmlElements(xml: string): XmlElement {
  const text = xml.charCodeAt(0) === 0xfeff ? xml.slice(1) : xml;
  if (text.trim() === '') throw invalidXml('the document is empty');
  const verdict = XMLValidator.validate(text);
  if (verdict !== true) {
    const { line, col, msg, code } = verdict.err;
    const unclosed = /^Unclosed tag '([^']+)'/.exec(msg);
    if (unclosed) {
      throw invalidXml(`not well-formed: the document ends before <${unclosed[1]}> (opened at line ${line}) is closed (truncated?)`, { line, column: col });
    }
    const open = openElements(code, msg);
    if (open) throw invalidXml(`not well-formed: the document ends while ${open} still open (truncated?)`, {});
    const where = col === undefined ? `line ${line}` : `line ${line}, column ${col}`;
    throw invalidXml(`not well-formed at ${where}: ${msg}`, { line, column: col });
  }
  const ordered = parser.parse(text) as OrderedNode[];
  const roots = ordered.map(convert).filter((el): el is XmlElement => el !== null && !el.tag.startsWith('?'));
  if (roots.length !== 1) throw invalidXml(`expected one root element, found ${roots.length}`);
  return roots[0];
}

/** The validator reports elements left open at the end as a JSON-ish list of tag names. */
function openElements(code: string, message: string): string | undefined {
  if (code !== 'InvalidXml' || !message.startsWith("Invalid '[")) return undefined;
  const open = [...message.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
  return `${open.map((t) => `<${t}>`).join(' > ')} ${open.length === 1 ? 'is' : 'are'}`;
}

function convert(node: OrderedNode): XmlElement | null {
  let tag: string | undefined;
  for (const key of Object.keys(node)) {
    if (key !== ':@' && key !== '#text') {
      tag = key;
      break;
    }
  }
  if (tag === undefined) return null;
  const attrs = (node[':@'] as Record<string, string> | undefined) ?? {};
  const rawChildren = (node[tag] as OrderedNode[] | undefined) ?? [];
  const children: XmlElement[] = [];
  let text = '';
  for (const child of rawChildren) {
    if ('#text' in child) {
      text += String(child['#text']);
      continue;
    }
    const converted = convert(child);
    if (converted) children.push(converted);
  }
  return { tag, attrs, children, text: text.trim() };
}

export function childElements(el: XmlElement, tag: string): XmlElement[] {
  return el.children.filter((child) => child.tag === tag);
}

/** The last child with this tag (so a later element overrides an earlier one, used by StructEntry). */
export function childElement(el: XmlElement, tag: string): XmlElement | undefined {
  for (let i = el.children.length - 1; i >= 0; i -= 1) {
    if (el.children[i].tag === tag) return el.children[i];
  }
  return undefined;
}

export function childText(el: XmlElement, tag: string): string | undefined {
  return childElement(el, tag)?.text;
}

export function childTexts(el: XmlElement, tag: string): string[] {
  return childElements(el, tag).map((child) => child.text);
}
