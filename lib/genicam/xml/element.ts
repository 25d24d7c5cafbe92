import { GigeError } from '../../errors';
import { XmlElement, XmlSyntaxError, parseXml } from './parse';

export type { XmlElement } from './parse';

export function invalidXml(message: string, details: Record<string, unknown> = {}): GigeError {
  return new GigeError('XML_INVALID', `GenICam XML: ${message}`, details);
}

/** Parses XML text into elements, turning syntax errors (truncation included) into one clear error. */
export function parseXmlElements(xml: string): XmlElement {
  const text = xml.charCodeAt(0) === 0xfeff ? xml.slice(1) : xml;
  if (text.trim() === '') throw invalidXml('the document is empty');
  try {
    return parseXml(text);
  } catch (err) {
    if (err instanceof XmlSyntaxError) {
      const where = err.column === undefined ? '' : ` at line ${err.line}, column ${err.column}`;
      throw invalidXml(`not well-formed${where}: ${err.message}`, { line: err.line, column: err.column });
    }
    throw err;
  }
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
