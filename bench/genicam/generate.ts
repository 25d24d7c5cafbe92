/**
 * Generates a large, realistic GenICam XML for the benchmark: `groups` blocks of features, each
 * with the node shapes real camera files use (Integer over IntReg with a formula pMax,
 * Float over a Converter, Enumeration, Boolean over a MaskedIntReg, Command, StringReg,
 * selector-indexed registers), one category per block. Registers live at 0x10000 + 64·i.
 */
export interface GeneratedXml {
  xml: string;
  groups: number;
  registerBytes: number;
}

const BLOCK = 64;

export function generateXml(groups: number): GeneratedXml {
  const parts: string[] = [];
  parts.push(`<?xml version="1.0" encoding="utf-8"?>
<RegisterDescription ModelName="BenchCam" VendorName="Bench" StandardNameSpace="GEV"
  SchemaMajorVersion="1" SchemaMinorVersion="1" SchemaSubMinorVersion="0"
  MajorVersion="1" MinorVersion="0" SubMinorVersion="0" ProductGuid="0" VersionGuid="0"
  xmlns="http://www.genicam.org/GenApi/Version_1_1">
  <Category Name="Root" NameSpace="Standard">
${Array.from({ length: groups }, (_, g) => `    <pFeature>Group${g}</pFeature>`).join('\n')}
  </Category>
  <Integer Name="TLParamsLocked"><Visibility>Invisible</Visibility><Value>0</Value><Min>0</Min><Max>1</Max></Integer>
  <Port Name="Device" NameSpace="Standard"/>
`);
  for (let g = 0; g < groups; g += 1) {
    const base = 0x10000 + g * BLOCK;
    const hex = (offset: number): string => `0x${(base + offset).toString(16)}`;
    parts.push(`  <Category Name="Group${g}">
    <ToolTip>Features of block ${g}.</ToolTip>
    <pFeature>Width${g}</pFeature><pFeature>Offset${g}</pFeature><pFeature>Exposure${g}</pFeature>
    <pFeature>Mode${g}</pFeature><pFeature>Enable${g}</pFeature><pFeature>Start${g}</pFeature>
    <pFeature>Name${g}</pFeature><pFeature>Selector${g}</pFeature><pFeature>Level${g}</pFeature>
    <pFeature>Payload${g}</pFeature>
  </Category>
  <Integer Name="Width${g}" NameSpace="Standard">
    <ToolTip>Width of region ${g} in pixels.</ToolTip>
    <Description>The width of the region of interest number ${g}; changing it changes Payload${g}.</Description>
    <DisplayName>Width ${g}</DisplayName>
    <Visibility>Beginner</Visibility>
    <Streamable>Yes</Streamable>
    <pIsLocked>TLParamsLocked</pIsLocked>
    <pValue>Width${g}Reg</pValue>
    <Min>16</Min>
    <pMax>Width${g}Max</pMax>
    <Inc>8</Inc>
    <Unit>px</Unit>
    <Representation>Linear</Representation>
  </Integer>
  <IntReg Name="Width${g}Reg">
    <Address>${hex(0)}</Address><Length>4</Length><AccessMode>RW</AccessMode><pPort>Device</pPort>
    <Cachable>WriteThrough</Cachable><Sign>Unsigned</Sign><Endianess>BigEndian</Endianess>
  </IntReg>
  <IntSwissKnife Name="Width${g}Max">
    <pVariable Name="SENSOR">SensorWidth${g}</pVariable>
    <pVariable Name="OFFSET">Offset${g}</pVariable>
    <Formula>(SENSOR - OFFSET) &amp; ~7</Formula>
  </IntSwissKnife>
  <Integer Name="SensorWidth${g}"><Visibility>Expert</Visibility><Value>4504</Value><ImposedAccessMode>RO</ImposedAccessMode></Integer>
  <Integer Name="Offset${g}">
    <ToolTip>Horizontal offset of region ${g}.</ToolTip>
    <pValue>Offset${g}Reg</pValue>
    <Min>0</Min><Max>4488</Max><Inc>8</Inc>
  </Integer>
  <IntReg Name="Offset${g}Reg">
    <Address>${hex(4)}</Address><Length>4</Length><AccessMode>RW</AccessMode><pPort>Device</pPort>
    <Cachable>WriteThrough</Cachable><Sign>Unsigned</Sign><Endianess>BigEndian</Endianess>
  </IntReg>
  <Float Name="Exposure${g}">
    <ToolTip>Exposure time of region ${g}.</ToolTip>
    <pValue>Exposure${g}Converter</pValue>
    <Min>10</Min><Max>1000000</Max><Unit>us</Unit>
    <DisplayNotation>Fixed</DisplayNotation><DisplayPrecision>1</DisplayPrecision>
  </Float>
  <Converter Name="Exposure${g}Converter">
    <pVariable Name="TICK">TickLength${g}</pVariable>
    <FormulaTo>FROM / TICK</FormulaTo>
    <FormulaFrom>TO * TICK</FormulaFrom>
    <pValue>Exposure${g}Reg</pValue>
    <Slope>Increasing</Slope>
  </Converter>
  <Float Name="TickLength${g}"><Value>0.5</Value></Float>
  <IntReg Name="Exposure${g}Reg">
    <Address>${hex(8)}</Address><Length>4</Length><AccessMode>RW</AccessMode><pPort>Device</pPort>
    <Cachable>NoCache</Cachable><Sign>Unsigned</Sign><Endianess>BigEndian</Endianess>
  </IntReg>
  <Enumeration Name="Mode${g}">
    <ToolTip>Operating mode of block ${g}.</ToolTip>
${['Off', 'Continuous', 'SingleFrame', 'MultiFrame', 'Burst', 'Triggered', 'Sequencer', 'Test']
  .map((entry, i) => `    <EnumEntry Name="EnumEntry_Mode${g}_${entry}"><DisplayName>${entry}</DisplayName><Value>${i}</Value></EnumEntry>`)
  .join('\n')}
    <pValue>Mode${g}Reg</pValue>
  </Enumeration>
  <IntReg Name="Mode${g}Reg">
    <Address>${hex(12)}</Address><Length>4</Length><AccessMode>RW</AccessMode><pPort>Device</pPort>
    <Endianess>BigEndian</Endianess>
  </IntReg>
  <Boolean Name="Enable${g}"><pValue>Enable${g}Bit</pValue></Boolean>
  <MaskedIntReg Name="Enable${g}Bit">
    <Address>${hex(16)}</Address><Length>4</Length><AccessMode>RW</AccessMode><pPort>Device</pPort>
    <Bit>31</Bit><Endianess>BigEndian</Endianess>
  </MaskedIntReg>
  <Command Name="Start${g}"><pValue>Start${g}Reg</pValue><CommandValue>1</CommandValue></Command>
  <IntReg Name="Start${g}Reg">
    <Address>${hex(20)}</Address><Length>4</Length><AccessMode>WO</AccessMode><pPort>Device</pPort>
    <Endianess>BigEndian</Endianess>
  </IntReg>
  <StringReg Name="Name${g}">
    <Address>${hex(32)}</Address><Length>16</Length><AccessMode>RW</AccessMode><pPort>Device</pPort>
  </StringReg>
  <Integer Name="Selector${g}"><pSelected>Level${g}</pSelected><Value>0</Value><Min>0</Min><Max>1</Max></Integer>
  <IntReg Name="Level${g}">
    <Address>${hex(24)}</Address><pIndex Offset="4">Selector${g}</pIndex><Length>4</Length>
    <AccessMode>RW</AccessMode><pPort>Device</pPort><Endianess>BigEndian</Endianess>
  </IntReg>
  <IntSwissKnife Name="Payload${g}">
    <pVariable Name="W">Width${g}</pVariable>
    <pVariable Name="M">Mode${g}</pVariable>
    <Formula>W * 4504 * (M = 0 ? 1 : 2)</Formula>
  </IntSwissKnife>
`);
  }
  parts.push('</RegisterDescription>\n');
  return { xml: parts.join(''), groups, registerBytes: 0x10000 + groups * BLOCK };
}
