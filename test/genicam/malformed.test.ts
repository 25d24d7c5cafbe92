import { strict as assert } from 'node:assert';
import { NodeMap } from '../../lib/genicam';
import { doc, intReg, thrown } from './support';
import { TESTCAM_XML } from './testcam';

const cases: [string, string, string, RegExp][] = [
  ['an empty document', '', 'XML_INVALID', /^GenICam XML: the document is empty$/],
  [
    'text that is not XML',
    'hello world',
    'XML_INVALID',
    /^GenICam XML: not well-formed at line 1, column 1: text outside the root element$/,
  ],
  ['a truncated file', TESTCAM_XML.slice(0, Math.floor(TESTCAM_XML.length / 2)), 'XML_INVALID', /^GenICam XML: not well-formed/],
  [
    'a file cut after an element',
    TESTCAM_XML.slice(0, TESTCAM_XML.indexOf('</Category>') + 11),
    'XML_INVALID',
    /^GenICam XML: not well-formed: the document ends while <RegisterDescription> is still open \(<RegisterDescription> opened at line 3; truncated\?\)$/,
  ],
  [
    'mismatched tags',
    doc('<Integer Name="I"><Value>1</Min></Integer>'),
    'XML_INVALID',
    /^GenICam XML: not well-formed at line 7, column 27: <\/Min> does not close <Value> \(opened at line 7\)$/,
  ],
  [
    'the wrong root element',
    doc('', { root: 'NodeList' }),
    'XML_INVALID',
    /^GenICam XML: the root element is <NodeList>; expected <RegisterDescription>$/,
  ],
  [
    'a root without schema version',
    '<RegisterDescription ModelName="X" VendorName="Y"/>',
    'XML_INVALID',
    /has no SchemaMajorVersion attribute/,
  ],
  [
    'a pValue cycle',
    doc(
      '<Integer Name="A"><pValue>B</pValue></Integer><Integer Name="B"><pValue>C</pValue></Integer><Integer Name="C"><pValue>A</pValue></Integer>',
    ),
    'XML_INVALID',
    /^GenICam XML: A: its value depends on itself: A \(pValue\) → B \(pValue\) → C \(pValue\) → A$/,
  ],
  [
    'a node pointing at itself',
    doc('<Integer Name="Self"><pValue>Self</pValue></Integer>'),
    'XML_INVALID',
    /Self: its value depends on itself: Self \(pValue\) → Self/,
  ],
  [
    'a cycle through a formula and an address',
    doc(`<IntSwissKnife Name="K"><pVariable Name="R">R</pVariable><Formula>R</Formula></IntSwissKnife>
    <IntReg Name="R"><pAddress>K</pAddress><Length>4</Length><pPort>Device</pPort></IntReg>`),
    'XML_INVALID',
    /K: its value depends on itself: K \(pVariable R\) → R \(pAddress\) → K/,
  ],
  [
    "a cycle through a formula reading another node's Max",
    doc(`<Integer Name="B"><Value>1</Value><pMax>A</pMax></Integer>
    <IntSwissKnife Name="A"><pVariable Name="B">B</pVariable><Formula>B.Max + 1</Formula></IntSwissKnife>`),
    'XML_INVALID',
    /A: its value depends on itself: A \(pVariable B\.Max → pMax\) → A/,
  ],
  [
    'a reference to a missing node',
    doc('<Integer Name="Width"><pValue>WidthReg</pValue></Integer>'),
    'XML_INVALID',
    /^GenICam XML: Width: pValue refers to a node named 'WidthReg', which does not exist$/,
  ],
  [
    'a missing pInvalidator target',
    doc(intReg('R', 0x100, '<pInvalidator>Nope</pInvalidator>')),
    'XML_INVALID',
    /R: pInvalidator refers to a node named 'Nope', which does not exist/,
  ],
  [
    'a category listing a missing feature',
    doc('<Category Name="Root"><pFeature>Ghost</pFeature></Category>'),
    'XML_INVALID',
    /Root: pFeature refers to a node named 'Ghost'/,
  ],
  [
    'two nodes with one name',
    doc('<Integer Name="X"><Value>1</Value></Integer><Float Name="X"><Value>1</Value></Float>'),
    'XML_INVALID',
    /^GenICam XML: two nodes are named X \(a Integer and a Float\)$/,
  ],
  ['a node without a Name', doc('<Integer><Value>1</Value></Integer>'), 'XML_INVALID', /^GenICam XML: a <Integer> has no Name attribute$/],
  [
    'an Integer without a value',
    doc('<Integer Name="I"><Min>0</Min></Integer>'),
    'XML_INVALID',
    /I: an Integer needs <Value>, <pValue> or <pIndex>/,
  ],
  [
    'a literal that is not a number',
    doc('<Integer Name="I"><Value>lots</Value></Integer>'),
    'XML_INVALID',
    /I: <Value> "lots" is not an integer/,
  ],
  [
    'an IntReg without a Length',
    doc('<IntReg Name="R"><Address>0</Address><pPort>Device</pPort></IntReg>'),
    'XML_INVALID',
    /R: a IntReg needs <Length> or <pLength>/,
  ],
  [
    'an IntReg without an address',
    doc('<IntReg Name="R"><Length>4</Length><pPort>Device</pPort></IntReg>'),
    'XML_INVALID',
    /R: a IntReg needs an <Address>, <pAddress>, <IntSwissKnife> or <pIndex>/,
  ],
  [
    'a pPort that is not a Port',
    doc(`<Integer Name="NotAPort"><Value>1</Value></Integer>${intReg('R', 0).replace('<pPort>Device', '<pPort>NotAPort')}`),
    'XML_INVALID',
    /R: pPort refers to NotAPort, a Integer; expected a Port/,
  ],
  [
    'a pValue to a Category',
    doc('<Category Name="C"/><Integer Name="I"><pValue>C</pValue></Integer>'),
    'XML_INVALID',
    /I: pValue refers to C, a Category; expected a node with a numeric value/,
  ],
  [
    'an Enumeration without entries',
    doc('<Enumeration Name="E"><Value>0</Value></Enumeration>'),
    'XML_INVALID',
    /E: an Enumeration needs at least one <EnumEntry>/,
  ],
  [
    'an EnumEntry without a Name',
    doc('<Enumeration Name="E"><EnumEntry><Value>0</Value></EnumEntry><Value>0</Value></Enumeration>'),
    'XML_INVALID',
    /^GenICam XML: E: an <EnumEntry> has no Name attribute$/,
  ],
  [
    'an EnumEntry without a Value',
    doc('<Enumeration Name="E"><EnumEntry Name="A"/><Value>0</Value></Enumeration>'),
    'XML_INVALID',
    /E: EnumEntry A needs an integer <Value>/,
  ],
  [
    'a MaskedIntReg without bits',
    doc('<MaskedIntReg Name="M"><Address>0</Address><Length>4</Length><pPort>Device</pPort></MaskedIntReg>'),
    'XML_INVALID',
    /M: a MaskedIntReg needs <Bit> or both <LSB> and <MSB>/,
  ],
  [
    'a Converter without FormulaTo',
    doc('<Integer Name="I"><Value>1</Value></Integer><Converter Name="C"><FormulaFrom>TO</FormulaFrom><pValue>I</pValue></Converter>'),
    'XML_INVALID',
    /C: a Converter needs <FormulaTo> and <FormulaFrom>/,
  ],
  [
    'a formula with a syntax error',
    doc('<IntSwissKnife Name="K"><Formula>1 + * 2</Formula></IntSwissKnife>'),
    'FORMULA_SYNTAX',
    /^K: formula "1 \+ \* 2" at column 5: syntax error: unexpected '\*'$/,
  ],
  [
    'a formula with an unknown variable',
    doc(
      '<Integer Name="W"><Value>1</Value></Integer><SwissKnife Name="K"><pVariable Name="W">W</pVariable><Formula>W * H</Formula></SwissKnife>',
    ),
    'FORMULA_UNKNOWN_VARIABLE',
    /^K: formula "W \* H" at column 5: unknown variable 'H' \(declared: W\)$/,
  ],
  [
    'a pVariable without a Name',
    doc('<IntSwissKnife Name="K"><pVariable>X</pVariable><Formula>1</Formula></IntSwissKnife>'),
    'XML_INVALID',
    /K: a <pVariable> has no Name attribute/,
  ],
  [
    'a register <Length> of 0',
    doc(intReg('R', 0x100).replace('<Length>4', '<Length>0')),
    'XML_INVALID',
    /^GenICam XML: R: <Length> 0 is out of range; allowed 1…67108864 bytes \(64 MiB\)$/,
  ],
  [
    'a negative register <Length>',
    doc(intReg('R', 0x100).replace('<Length>4', '<Length>-4')),
    'XML_INVALID',
    /R: <Length> -4 is out of range/,
  ],
  [
    'a 4 GiB register <Length>',
    doc(intReg('R', 0x100).replace('<Length>4', '<Length>0x100000000')),
    'XML_INVALID',
    /R: <Length> 4294967296 is out of range/,
  ],
  ['a bad ChunkID', doc('<Port Name="P"><ChunkID>xyz</ChunkID></Port>'), 'XML_INVALID', /P: <ChunkID> "xyz" is not hex digits/],
];

describe('genicam malformed XML', () => {
  for (const [label, xml, code, message] of cases) {
    it(`rejects ${label} with one clear error`, () => {
      const err = thrown(() => NodeMap.fromXml(xml, {}));
      assert.equal(err.code, code, err.message);
      assert.match(err.message, message);
    });
  }

  // Element names are data: ones that are also Object.prototype members must not find node types there.
  for (const tag of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
    it(`ignores an unknown <${tag}> element like any other vendor element`, () => {
      const map = NodeMap.fromXml(doc(`<${tag} Name="X"><Value>1</Value></${tag}><Integer Name="I"><Value>1</Value></Integer>`), {});
      assert.ok(map.has('I'));
      assert.ok(!map.has('X'));
    });
  }

  it('still loads a file whose unused nodes are fine but odd (vendor extensions, comments)', () => {
    const map = NodeMap.fromXml(
      doc('<!-- c --><Extension><Anything/></Extension><Integer Name="I"><Value>1</Value><Extension/></Integer>'),
      {},
    );
    assert.ok(map.has('I'));
  });
});
