import { strict as assert } from 'node:assert';
import { XMLParser } from 'fast-xml-parser';
import { parseXml, XmlSyntaxError } from '../../lib/genicam/xml/parse';
import type { XmlElement } from '../../lib/genicam/xml/element';
import { TESTCAM_XML } from './testcam';
import { generateXml } from '../../bench/genicam/generate';

function syntaxError(text: string): XmlSyntaxError {
  try {
    parseXml(text);
  } catch (err) {
    if (err instanceof XmlSyntaxError) return err;
    throw err;
  }
  throw new Error('expected a syntax error');
}

/** The same tree built by an independent, general-purpose parser (the judge). */
function reference(text: string): XmlElement {
  const parser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseTagValue: false,
    trimValues: true,
    removeNSPrefix: true,
  });
  const convert = (node: Record<string, unknown>): XmlElement | null => {
    const tag = Object.keys(node).find((key) => key !== ':@' && key !== '#text');
    if (!tag || tag.startsWith('?')) return null;
    const children: XmlElement[] = [];
    let content = '';
    for (const child of (node[tag] as Record<string, unknown>[]) ?? []) {
      if ('#text' in child) content += String(child['#text']);
      else {
        const converted = convert(child);
        if (converted) children.push(converted);
      }
    }
    return { tag, attrs: (node[':@'] as Record<string, string>) ?? {}, children, text: content.trim() };
  };
  const roots = (parser.parse(text) as Record<string, unknown>[]).map(convert).filter(Boolean) as XmlElement[];
  return roots[0];
}

describe('genicam XML reader', () => {
  const cases: [string, string, Partial<XmlElement> & { child?: Partial<XmlElement> }][] = [
    ['a self-closing root with attributes', '<R a="1" b=\'two\'/>', { tag: 'R', attrs: { a: '1', b: 'two' }, children: [] }],
    ['the five entities and character references', '<R>&lt;&gt;&amp;&quot;&apos;&#65;&#x42;</R>', { text: '<>&"\'AB' }],
    ['entities in attributes', '<R f="A &lt;&lt; 2 &amp;&amp; B"/>', { attrs: { f: 'A << 2 && B' } }],
    ['CDATA kept verbatim', '<R><![CDATA[a < b && c]]></R>', { text: 'a < b && c' }],
    [
      'comments, PIs and a DOCTYPE skipped',
      '<?xml version="1.0"?><!DOCTYPE R [<!ELEMENT R ANY>]><!-- hi --><R><!-- in --><?pi x?>v</R>',
      { text: 'v' },
    ],
    [
      'namespace prefixes dropped',
      '<g:R xmlns:g="x" g:Name="n"><g:Child/></g:R>',
      { tag: 'R', attrs: { Name: 'n' }, child: { tag: 'Child' } },
    ],
    ['text trimmed and joined around children', '<R>\n  a <C/> b\n</R>', { text: 'a  b', child: { tag: 'C' } }],
    ['spaces around = and before >', '<R  a = "1"  ></R >', { attrs: { a: '1' } }],
  ];
  for (const [label, text, expected] of cases) {
    it(`reads ${label}`, () => {
      const root = parseXml(text);
      const { child, ...own } = expected;
      for (const [key, value] of Object.entries(own)) assert.deepEqual(root[key as keyof XmlElement], value, key);
      if (child) for (const [key, value] of Object.entries(child)) assert.deepEqual(root.children[0][key as keyof XmlElement], value, key);
    });
  }

  const errors: [string, string, RegExp, number, number | undefined][] = [
    ['a bare ampersand', '<R>a & b</R>', /a bare '&' \(write &amp;\)/, 1, 4],
    ['an unknown entity', '<R>&nbsp;</R>', /unknown entity &nbsp;/, 1, 4],
    ['an unquoted attribute', '<R a=1/>', /the value of attribute a of <R> is not quoted/, 1, 6],
    ['an attribute without a value', '<R a/>', /attribute a of <R> has no value/, 1, 5],
    ['two root elements', '<R/><S/>', /a second root element <S>/, 1, 5],
    ['text after the root', '<R/>x', /text outside the root element/, 1, 5],
    ['an unclosed comment', '<R><!-- x</R>', /a comment is never closed/, 1, 4],
    ['a closing tag that closes nothing', '</R>', /<\/R> closes nothing/, 1, 1],
    ['a mismatched closing tag', '<R>\n<A></B></R>', /<\/B> does not close <A> \(opened at line 2\)/, 2, 4],
    ['a file ending inside a tag', '<R><A b="1"', /the document ends inside the tag <A>/, 1, 4],
    ['a file ending inside an attribute value', '<R a="1', /the value of attribute a of <R> is never closed/, 1, 6],
    [
      'a file ending with open elements',
      '<R>\n<A>\n<B>x',
      /the document ends while <R> > <A> > <B> are still open \(<R> opened at line 1; truncated\?\)/,
      1,
      undefined,
    ],
    ['no root at all', '<!-- only a comment -->', /no root element/, 1, 24],
    ['attributes run together', '<R a="1"b="2"/>', /expected a space before an attribute of <R>/, 1, 9],
  ];
  for (const [label, text, message, line, column] of errors) {
    it(`rejects ${label} at line ${line}${column ? `, column ${column}` : ''}`, () => {
      const err = syntaxError(text);
      assert.match(err.message, message);
      assert.equal(err.line, line);
      assert.equal(err.column, column);
    });
  }

  it('builds the same tree as a general-purpose parser for the TestCam file and a generated 1 MB file', () => {
    for (const text of [TESTCAM_XML, generateXml(200).xml]) assert.deepEqual(parseXml(text), reference(text));
  });
});
