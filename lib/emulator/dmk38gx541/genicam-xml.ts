/**
 * Renders the GenICam GenApi XML (schema 1.1, GEV namespace) of the emulated DMK 38GX541-a from the
 * feature table. Every value feature points at its own register node (`<Name>Reg`); locks are
 * IntSwissKnife nodes (`<Name>Locked`); event and chunk data sit on ports with EventID / ChunkID.
 * All registers are big-endian. Their caching (Cachable, pInvalidator) follows `caching.ts`.
 */
import { CategoryDef, FeatureDef, LockCondition } from './feature-types';
import { categories, features, feature as featureByName, MappedFeature } from './features';
import { ChunkId, EventId } from './features-sync';
import { cachingMode, invalidators } from './caching';

const NAMESPACE = 'http://www.genicam.org/GenApi/Version_1_1';
export const XML_VERSION = { major: 1, minor: 0, subMinor: 0 };

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function hex(value: number): string {
  return `0x${value.toString(16).toUpperCase().padStart(4, '0')}`;
}

function hexId(value: number): string {
  return value.toString(16).toUpperCase().padStart(8, '0');
}

type Child = [string, string | number] | null;

function node(tag: string, name: string, children: Child[], standard = false): string {
  const attrs = `Name="${name}"${standard ? ' NameSpace="Standard"' : ''}`;
  const body = children
    .filter((c): c is [string, string | number] => c !== null)
    .map(([t, v]) => `    <${t}>${v}</${t}>`)
    .join('\n');
  return body ? `  <${tag} ${attrs}>\n${body}\n  </${tag}>` : `  <${tag} ${attrs}/>`;
}

function commonElements(f: FeatureDef): Child[] {
  return [
    ['ToolTip', escape(f.description.split('. ')[0].replace(/\.$/, '') + '.')],
    ['Description', escape(f.description)],
    f.displayName ? ['DisplayName', escape(f.displayName)] : null,
    ['Visibility', f.visibility ?? 'Beginner'],
    f.locked ? ['pIsLocked', `${f.name}Locked`] : null,
  ];
}

function registerName(f: FeatureDef): string {
  return `${f.name}Reg`;
}

/** Bit range of a contiguous mask in GenICam's big-endian numbering (bit 0 = MSB). */
function maskBits(mask: number, length: number): { lsb: number; msb: number } {
  const m = BigInt(mask);
  let low = 0;
  while (((m >> BigInt(low)) & 1n) === 0n) low += 1;
  let high = low;
  while (((m >> BigInt(high + 1)) & 1n) === 1n) high += 1;
  return { lsb: length * 8 - 1 - low, msb: length * 8 - 1 - high };
}

/** Cachable and the pInvalidator links, in the schema's order (after pPort). */
function caching(f: MappedFeature): Child[] {
  return [['Cachable', cachingMode(f)], ...invalidators(f).map((name): Child => ['pInvalidator', name])];
}

function registerNode(f: MappedFeature): string {
  const s = f.storage;
  const isFloat = f.kind === 'float';
  const regAccess = f.kind === 'command' ? (s.kind === 'bootstrap' ? 'WO' : 'RW') : f.access;
  const tail: Child[] = [];
  let address: number;
  let length: number;
  let port = 'Device';
  let masked: { lsb: number; msb: number } | null = null;
  if (s.kind === 'model') {
    address = f.address as number;
    length = s.length;
  } else if (s.kind === 'bootstrap') {
    address = s.address;
    length = s.length;
    if (s.mask !== undefined) masked = maskBits(s.mask, s.length);
  } else if (s.kind === 'port') {
    address = s.address;
    length = s.length;
    port = s.port;
  } else {
    throw new Error(`${f.name}: no register node for storage ${s.kind}`);
  }
  const head: Child[] = [
    ['Visibility', 'Invisible'],
    ['Address', hex(address)],
    ['Length', length],
    ['AccessMode', regAccess],
    ['pPort', port],
    ...caching(f),
  ];
  if (masked) {
    tail.push(masked.lsb === masked.msb ? ['Bit', masked.lsb] : ['LSB', masked.lsb]);
    if (masked.lsb !== masked.msb) tail.push(['MSB', masked.msb]);
  }
  if (!isFloat) tail.push(['Sign', 'Unsigned']);
  tail.push(['Endianess', 'BigEndian']);
  const tag = isFloat ? 'FloatReg' : masked ? 'MaskedIntReg' : 'IntReg';
  return node(tag, registerName(f), [...head, ...tail]);
}

function limits(f: FeatureDef): Child[] {
  const out: Child[] = [];
  if (f.pMin) out.push(['pMin', f.pMin]);
  else if (f.min !== undefined) out.push(['Min', f.min]);
  if (f.pMax) out.push(['pMax', f.pMax]);
  else if (f.max !== undefined) out.push(['Max', f.max]);
  else if (f.kind === 'integer' && f.wide && f.min !== undefined) out.push(['Max', '9223372036854775807']);
  if (f.inc !== undefined && f.kind === 'integer') out.push(['Inc', f.inc]);
  return out;
}

function valueNode(f: MappedFeature): string[] {
  const common = commonElements(f);
  const streamable: Child = f.streamable ? ['Streamable', 'Yes'] : null;
  const selected: Child[] = (f.selects ?? []).map((name): Child => ['pSelected', name]);
  const std = f.standard ?? false;
  const out: string[] = [];
  switch (f.kind) {
    case 'integer': {
      const value: Child = f.storage.kind === 'constant' ? ['Value', f.storage.value] : ['pValue', registerName(f)];
      const imposed: Child = f.storage.kind === 'constant' ? ['ImposedAccessMode', 'RO'] : null;
      out.push(
        node(
          'Integer',
          f.name,
          [
            ...common,
            imposed,
            streamable,
            value,
            ...limits(f),
            f.unit ? ['Unit', f.unit] : null,
            ['Representation', f.representation ?? 'Linear'],
            ...selected,
          ],
          std,
        ),
      );
      break;
    }
    case 'float':
      out.push(
        node(
          'Float',
          f.name,
          [
            ...common,
            streamable,
            ['pValue', registerName(f)],
            ...limits(f),
            f.unit ? ['Unit', f.unit] : null,
            ['Representation', f.representation ?? 'Linear'],
          ],
          std,
        ),
      );
      break;
    case 'boolean':
      out.push(
        node('Boolean', f.name, [...common, streamable, ['pValue', registerName(f)], ['OnValue', 1], ['OffValue', 0], ...selected], std),
      );
      break;
    case 'enumeration': {
      const entries = (f.entries ?? []).map((e) => {
        const children: Child[] = [
          e.description ? ['ToolTip', escape(e.description)] : null,
          e.displayName ? ['DisplayName', escape(e.displayName)] : null,
          ['Value', e.value],
        ];
        return node('EnumEntry', e.name, children, std).replace(/^ {2}/gm, '    ');
      });
      const head = common.filter((c): c is [string, string | number] => c !== null).map(([t, v]) => `    <${t}>${v}</${t}>`);
      const tail = [
        ...(streamable ? [`    <Streamable>Yes</Streamable>`] : []),
        ...entries,
        `    <pValue>${registerName(f)}</pValue>`,
        ...selected.map((c) => `    <pSelected>${(c as [string, string])[1]}</pSelected>`),
      ];
      out.push(`  <Enumeration Name="${f.name}"${std ? ' NameSpace="Standard"' : ''}>\n${[...head, ...tail].join('\n')}\n  </Enumeration>`);
      break;
    }
    case 'command':
      out.push(node('Command', f.name, [...common, ['pValue', registerName(f)], ['CommandValue', f.commandValue ?? 1]], std));
      break;
    default:
      return [];
  }
  return out;
}

function inlineRegisterFeature(f: MappedFeature): string {
  const s = f.storage;
  if (s.kind !== 'bootstrap' && s.kind !== 'memory') throw new Error(`${f.name}: ${f.kind} needs bootstrap or memory storage`);
  const tag = f.kind === 'string' ? 'StringReg' : 'Register';
  return node(
    tag,
    f.name,
    [
      ...commonElements(f),
      f.streamable ? ['Streamable', 'Yes'] : null,
      ['Address', hex(s.address)],
      ['Length', s.length],
      ['AccessMode', f.access],
      ['pPort', 'Device'],
      ...caching(f),
    ],
    f.standard ?? false,
  );
}

function lockNode(f: FeatureDef): string {
  const variables: string[] = [];
  const terms: string[] = [];
  (f.locked as LockCondition[]).forEach((condition, i) => {
    if ('tlParams' in condition) {
      variables.push('<pVariable Name="TL">TLParamsLocked</pVariable>', '<pVariable Name="ACQ">AcquisitionStatus</pVariable>');
      terms.push('(TL = 1) || (ACQ = 1)');
      return;
    }
    variables.push(`<pVariable Name="V${i}">${condition.feature}</pVariable>`);
    terms.push('equals' in condition ? `(V${i} = ${condition.equals})` : `(V${i} &lt;&gt; ${condition.notEquals})`);
  });
  const lines = ['<Visibility>Invisible</Visibility>', ...variables, `<Formula>${terms.join(' || ')}</Formula>`];
  return `  <IntSwissKnife Name="${f.name}Locked">\n${lines.map((l) => `    ${l}`).join('\n')}\n  </IntSwissKnife>`;
}

function categoryNode(category: CategoryDef): string {
  const members = features.filter((f) => f.category === category.name).map((f): Child => ['pFeature', f.name]);
  return node(
    'Category',
    category.name,
    [['ToolTip', escape(category.description)], ['DisplayName', escape(category.displayName)], ...members],
    true,
  );
}

function ports(): string[] {
  const out = [node('Port', 'Device', [['ToolTip', 'The camera, over GVCP.']], true)];
  for (const [name, id] of Object.entries(EventId)) {
    out.push(
      node('Port', `Event${name}Port`, [
        ['Visibility', 'Invisible'],
        ['EventID', hexId(id).slice(4)],
      ]),
    );
  }
  out.push(
    node('Port', 'ChunkExposureTimePort', [
      ['Visibility', 'Invisible'],
      ['ChunkID', hexId(ChunkId.ExposureTime)],
    ]),
  );
  out.push(
    node('Port', 'ChunkGainPort', [
      ['Visibility', 'Invisible'],
      ['ChunkID', hexId(ChunkId.Gain)],
    ]),
  );
  return out;
}

/** The XML text. Deterministic: the same table gives the same bytes. */
export function renderGenicamXml(): string {
  featureByName('TLParamsLocked'); // the lock formulas refer to it
  const parts: string[] = [];
  parts.push('<?xml version="1.0" encoding="UTF-8"?>');
  parts.push('<!-- GenICam description of the emulated The Imaging Source DMK 38GX541-a (node-red-contrib-gige-vision).');
  parts.push('     Generated from lib/emulator/dmk38gx541/features-*.ts; model registers: 0xA000 + 0x100 per category,');
  parts.push('     LUTValueAll at 0xC000 (1028 bytes). See docs/emulator.md. -->');
  parts.push(
    `<RegisterDescription ModelName="DMK38GX541a" VendorName="TheImagingSource" ToolTip="Emulated DMK 38GX541-a" StandardNameSpace="GEV"` +
      ` SchemaMajorVersion="1" SchemaMinorVersion="1" SchemaSubMinorVersion="0" MajorVersion="${XML_VERSION.major}" MinorVersion="${XML_VERSION.minor}"` +
      ` SubMinorVersion="${XML_VERSION.subMinor}" ProductGuid="6a1c2d8e-3b4f-4e5a-9c7d-38a541000001" VersionGuid="6a1c2d8e-3b4f-4e5a-9c7d-38a541010000"` +
      ` xmlns="${NAMESPACE}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"` +
      ` xsi:schemaLocation="${NAMESPACE} GenApiSchema_Version_1_1.xsd">`,
  );
  parts.push(
    node('Category', 'Root', [['ToolTip', 'Every feature of the camera.'], ...categories.map((c): Child => ['pFeature', c.name])], true),
  );
  for (const category of categories) parts.push(categoryNode(category));
  for (const f of features) {
    if (f.kind === 'string' || f.kind === 'register') {
      parts.push(inlineRegisterFeature(f));
      continue;
    }
    parts.push(...valueNode(f));
    if (f.storage.kind !== 'constant') parts.push(registerNode(f));
    if (f.locked) parts.push(lockNode(f));
  }
  parts.push(...ports());
  parts.push('</RegisterDescription>');
  return parts.join('\n') + '\n';
}

/** The committed copy for readers and tools: `npx tsx lib/emulator/dmk38gx541/genicam-xml.ts --write`. */
export const MODEL_XML_FILE = `${__dirname}/model.xml`;

if (require.main === module && process.argv.includes('--write')) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('node:fs').writeFileSync(MODEL_XML_FILE, renderGenicamXml());
  process.stdout.write(`wrote ${MODEL_XML_FILE}\n`);
}
