import { strict as assert } from 'node:assert';
import { MemoryPort, NodeMap } from '../../lib/genicam';
import { doc, intReg, memoryMap, rejection } from './support';

describe('genicam value nodes', () => {
  describe('Integer', () => {
    it('holds a literal <Value> in memory (RW)', async () => {
      const { map, port } = memoryMap('<Integer Name="I"><Value>5</Value><Min>0</Min><Max>10</Max></Integer>');
      assert.equal(await map.getValue('I'), 5);
      await map.setValue('I', 7);
      assert.equal(await map.getValue('I'), 7);
      assert.equal(port.reads + port.writes, 0);
    });

    it('reads and writes through <pValue>', async () => {
      const { map, mem } = memoryMap(`<Integer Name="I"><pValue>R</pValue></Integer>${intReg('R', 0x100)}`);
      mem.writeUInt32BE(42, 0x100);
      assert.equal(await map.getValue('I'), 42);
      await map.setValue('I', 43);
      assert.equal(mem.readUInt32BE(0x100), 43);
    });

    it('selects <ValueIndexed>/<ValueDefault> by <pIndex>', async () => {
      const { map } = memoryMap(`
        <Integer Name="Sel"><Value>0</Value></Integer>
        <Integer Name="I"><pIndex>Sel</pIndex><ValueIndexed Index="0">10</ValueIndexed><ValueIndexed Index="1">11</ValueIndexed><ValueDefault>99</ValueDefault></Integer>`);
      const values: unknown[] = [];
      for (const sel of [0, 1, 5]) {
        await map.setValue('Sel', sel);
        values.push(await map.getValue('I'));
      }
      assert.deepEqual(values, [10, 11, 99]);
    });

    it('selects <pValueIndexed>/<pValueDefault> by <pIndex>, and writes the selected one', async () => {
      const { map, mem } = memoryMap(`
        <Integer Name="Sel"><Value>1</Value></Integer>
        <Integer Name="I"><pIndex>Sel</pIndex><pValueIndexed Index="0">R0</pValueIndexed><pValueIndexed Index="1">R1</pValueIndexed><pValueDefault>RD</pValueDefault></Integer>
        ${intReg('R0', 0x100)}${intReg('R1', 0x104)}${intReg('RD', 0x108)}`);
      mem.writeUInt32BE(100, 0x100);
      mem.writeUInt32BE(101, 0x104);
      mem.writeUInt32BE(102, 0x108);
      assert.equal(await map.getValue('I'), 101);
      await map.setValue('I', 201);
      assert.equal(mem.readUInt32BE(0x104), 201);
      await map.setValue('Sel', 7);
      assert.equal(await map.getValue('I'), 102);
    });

    it('fails clearly when no indexed value and no default match', async () => {
      const { map } = memoryMap(`<Integer Name="Sel"><Value>3</Value></Integer>
        <Integer Name="I"><pIndex>Sel</pIndex><ValueIndexed Index="0">10</ValueIndexed></Integer>`);
      const err = await rejection(map.getValue('I'));
      assert.match(err.message, /^I: no value for index 3 of Sel and no default \(indexes: 0\)$/);
    });

    it('writes every <pValueCopy> too', async () => {
      const { map, mem } = memoryMap(
        `<Integer Name="I"><pValue>A</pValue><pValueCopy>B</pValueCopy></Integer>${intReg('A', 0x100)}${intReg('B', 0x104)}`,
      );
      await map.setValue('I', 9);
      assert.deepEqual([mem.readUInt32BE(0x100), mem.readUInt32BE(0x104)], [9, 9]);
    });

    it('takes Min/Max/Inc from pointers, or from the pValue node when absent', async () => {
      const { map } = memoryMap(`
        <Integer Name="Lo"><Value>16</Value></Integer><Integer Name="Hi"><Value>64</Value></Integer><Integer Name="Step"><Value>16</Value></Integer>
        <Integer Name="I"><pValue>R</pValue><pMin>Lo</pMin><pMax>Hi</pMax><pInc>Step</pInc><Representation>HexNumber</Representation></Integer>
        <Integer Name="J"><pValue>R</pValue></Integer>
        <IntReg Name="R"><Address>0x100</Address><Length>2</Length><AccessMode>RW</AccessMode><pPort>Device</pPort></IntReg>`);
      const i = await map.describe('I');
      assert.deepEqual([i.min, i.max, i.inc, i.representation], [16, 64, 16, 'HexNumber']);
      const j = await map.describe('J');
      assert.deepEqual([j.min, j.max, j.inc], [0, 65535, 1]);
      assert.equal((await rejection(map.setValue('I', 40))).message, 'I: 40 is not a valid step; allowed 16…64 in steps of 16');
      assert.equal((await rejection(map.setValue('J', 70000))).message, 'J: 70000 is out of range; allowed 0…65535');
    });

    it('rejects non-integers with the allowed form', async () => {
      const { map } = memoryMap('<Integer Name="I"><Value>1</Value></Integer>');
      assert.match((await rejection(map.setValue('I', 1.5))).message, /^I: 1\.5 is not an integer; allowed an integer/);
      assert.match((await rejection(map.setValue('I', {}))).message, /^I: an object is not an integer/);
    });

    it('keeps 64-bit values exact (bigint beyond 2^53)', async () => {
      const { map } = memoryMap('<Integer Name="I"><Value>0</Value></Integer>');
      await map.setValue('I', 2n ** 60n + 1n);
      assert.equal(await map.getValue('I'), 2n ** 60n + 1n);
      await map.setValue('I', '9007199254740993');
      assert.equal(await map.getValue('I'), 9007199254740993n);
      await map.setValue('I', 2n ** 40n);
      assert.equal(await map.getValue('I'), 2 ** 40);
    });
  });

  describe('Float', () => {
    it('converts an integer pValue and checks Inc', async () => {
      const { map, mem } = memoryMap(
        `<Float Name="F"><pValue>R</pValue><Min>0</Min><Max>100</Max><Inc>0.5</Inc><DisplayNotation>Fixed</DisplayNotation><DisplayPrecision>2</DisplayPrecision></Float>${intReg('R', 0x100)}`,
      );
      mem.writeUInt32BE(12, 0x100);
      assert.equal(await map.getValue('F'), 12);
      await map.setValue('F', 20);
      assert.equal(mem.readUInt32BE(0x100), 20);
      assert.match((await rejection(map.setValue('F', 20.25))).message, /^F: 20\.25 is not a valid step; allowed 0…100 in steps of 0\.5$/);
      assert.match((await rejection(map.setValue('F', 'fast'))).message, /^F: "fast" is not a number/);
      const d = await map.describe('F');
      assert.deepEqual([d.displayNotation, d.displayPrecision], ['Fixed', 2]);
    });

    it('holds a literal value', async () => {
      const { map } = memoryMap('<Float Name="F"><Value>2.5</Value></Float>');
      await map.setValue('F', -1e-3);
      assert.equal(await map.getValue('F'), -1e-3);
    });
  });

  describe('Enumeration', () => {
    const body = `
      <Integer Name="HasColor"><Value>0</Value></Integer>
      <Integer Name="Unlocked"><Value>0</Value></Integer>
      <Enumeration Name="Mode">
        <EnumEntry Name="EnumEntry_Mode_Slow"><Value>0</Value><NumericValue>0.5</NumericValue></EnumEntry>
        <EnumEntry Name="Fast"><Value>1</Value><Symbolic>Quick</Symbolic></EnumEntry>
        <EnumEntry Name="Color"><Value>2</Value><pIsImplemented>HasColor</pIsImplemented></EnumEntry>
        <EnumEntry Name="Turbo"><Value>3</Value><pIsAvailable>Unlocked</pIsAvailable></EnumEntry>
        <EnumEntry Name="Once"><Value>4</Value><IsSelfClearing>Yes</IsSelfClearing></EnumEntry>
        <pValue>R</pValue>
      </Enumeration>${intReg('R', 0x100)}`;

    it('reads entry names (Symbolic, or the Name without EnumEntry_<Enum>_)', async () => {
      const { map, mem } = memoryMap(body);
      assert.equal(await map.getValue('Mode'), 'Slow');
      mem.writeUInt32BE(1, 0x100);
      map.invalidate('Mode');
      assert.equal(await map.getValue('Mode'), 'Quick');
    });

    it('writes by name or by integer value', async () => {
      const { map, mem } = memoryMap(body);
      await map.setValue('Mode', 'Quick');
      assert.equal(mem.readUInt32BE(0x100), 1);
      await map.setValue('Mode', 0);
      assert.equal(mem.readUInt32BE(0x100), 0);
    });

    it('hides entries that are not implemented and refuses unavailable ones', async () => {
      const { map } = memoryMap(body);
      const entries = (await map.describe('Mode')).entries?.map((e) => `${e.name}:${e.available}`);
      assert.deepEqual(entries, ['Slow:true', 'Quick:true', 'Turbo:false', 'Once:true']);
      assert.equal(
        (await rejection(map.setValue('Mode', 'Color'))).message,
        'Mode: "Color" is not one of its entries; allowed Slow, Quick, Once',
      );
      const err = await rejection(map.setValue('Mode', 'Turbo'));
      assert.equal(err.code, 'FEATURE_NOT_AVAILABLE');
      assert.equal(err.message, 'Mode: Turbo is not available now; allowed Slow, Quick, Once');
      await map.setValue('Unlocked', 1);
      await map.setValue('Mode', 'Turbo');
    });

    it('reads a self-clearing entry afresh after writing it', async () => {
      const { map, mem, port } = memoryMap(body);
      await map.setValue('Mode', 'Once');
      mem.writeUInt32BE(0, 0x100); // the device falls back by itself
      const reads = port.reads;
      assert.equal(await map.getValue('Mode'), 'Slow');
      assert.equal(port.reads, reads + 1);
    });

    it('reports a device value that matches no entry', async () => {
      const { map, mem } = memoryMap(body);
      mem.writeUInt32BE(77, 0x100);
      assert.equal(
        (await rejection(map.getValue('Mode'))).message,
        'Mode: the device reports 77, which is none of the entries (Slow=0, Quick=1, Color=2, Turbo=3, Once=4)',
      );
    });

    it('allows the same EnumEntry name in two enumerations', async () => {
      const { map } = memoryMap(`
        <Enumeration Name="A"><EnumEntry Name="Off"><Value>0</Value></EnumEntry><EnumEntry Name="On"><Value>1</Value></EnumEntry><Value>1</Value></Enumeration>
        <Enumeration Name="B"><EnumEntry Name="Off"><Value>5</Value></EnumEntry><Value>5</Value></Enumeration>`);
      assert.deepEqual([await map.getValue('A'), await map.getValue('B')], ['On', 'Off']);
    });
  });

  describe('Boolean', () => {
    it('maps OnValue/OffValue', async () => {
      const { map, mem } = memoryMap(
        `<Boolean Name="B"><pValue>R</pValue><OnValue>321</OnValue><OffValue>123</OffValue></Boolean>${intReg('R', 0x100)}`,
      );
      await map.setValue('B', true);
      assert.equal(mem.readUInt32BE(0x100), 321);
      await map.setValue('B', 'off');
      assert.equal(mem.readUInt32BE(0x100), 123);
      assert.equal(await map.getValue('B'), false);
      assert.match((await rejection(map.setValue('B', 'maybe'))).message, /^B: "maybe" is not a boolean; allowed true or false$/);
    });
  });

  describe('Command', () => {
    /** Clears the command register after `after` reads of it, like a device finishing the work. */
    class SelfClearingPort extends MemoryPort {
      readsOfCommand = 0;
      constructor(
        memory: Buffer,
        private readonly after: number,
      ) {
        super(memory);
      }
      override async read(address: number, length: number): Promise<Buffer> {
        if (address === 0x100) {
          this.readsOfCommand += 1;
          if (this.readsOfCommand >= this.after) this.memory.writeUInt32BE(0, 0x100);
        }
        return super.read(address, length);
      }
    }
    const body = `
      <Command Name="Go"><pValue>R</pValue><CommandValue>1</CommandValue><PollingTime>2</PollingTime></Command>
      <Command Name="GoIndirect"><pValue>R</pValue><pCommandValue>Magic</pCommandValue></Command>
      <Integer Name="Magic"><Value>0x55</Value></Integer>
      <Command Name="Fire"><pValue>W</pValue><CommandValue>1</CommandValue></Command>
      ${intReg('R', 0x100, '<Cachable>NoCache</Cachable>')}
      <IntReg Name="W"><Address>0x104</Address><Length>4</Length><AccessMode>WO</AccessMode><pPort>Device</pPort><Endianess>BigEndian</Endianess></IntReg>`;

    it('polls a self-clearing register until the device clears it', async () => {
      const mem = Buffer.alloc(0x200);
      const port = new SelfClearingPort(mem, 3);
      const map = NodeMap.fromXml(doc(body), { device: port });
      await map.execute('Go');
      assert.ok(port.readsOfCommand >= 3);
      assert.equal(await map.isDone('Go'), true);
    });

    it('times out with a clear error when the register never clears', async () => {
      const { map } = memoryMap(body, { map: { commandTimeoutMs: 30 } });
      const err = await rejection(map.execute('Go'));
      assert.equal(err.code, 'COMMAND_TIMEOUT');
      assert.equal(err.message, 'Go: the command did not complete within 30 ms (R still reads 1)');
    });

    it('is done at once on a write-only register, and honours pCommandValue and wait: false', async () => {
      const { map, mem } = memoryMap(body);
      await map.execute('Fire');
      assert.equal(mem.readUInt32BE(0x104), 1);
      await map.execute('GoIndirect', { wait: false });
      assert.equal(mem.readUInt32BE(0x100), 0x55);
      assert.equal(await map.isDone('GoIndirect'), false);
      assert.equal((await rejection(map.setValue('Fire', 1))).code, 'WRONG_TYPE');
      assert.equal((await rejection(map.execute('Magic'))).message, 'Magic is an Integer; only a Command can be executed');
    });
  });

  describe('String', () => {
    it('holds a literal or points to a StringReg', async () => {
      const { map, mem } = memoryMap(`<String Name="Lit"><Value>hello</Value></String><String Name="Ptr"><pValue>S</pValue></String>
        <StringReg Name="S"><Address>0x100</Address><Length>8</Length><AccessMode>RW</AccessMode><pPort>Device</pPort></StringReg>`);
      assert.equal(await map.getValue('Lit'), 'hello');
      await map.setValue('Lit', 'bye');
      assert.equal(await map.getValue('Lit'), 'bye');
      await map.setValue('Ptr', 'abc');
      assert.equal(mem.toString('latin1', 0x100, 0x103), 'abc');
      assert.equal((await rejection(map.setValue('Lit', 5))).message, 'Lit: 5 is not a string; allowed a string');
    });
  });

  describe('SwissKnife, IntSwissKnife, Converter, IntConverter', () => {
    const body = `
      <Integer Name="A"><Value>6</Value><Min>1</Min><Max>50</Max></Integer>
      <Float Name="G"><Value>2.5</Value></Float>
      <Enumeration Name="PF"><EnumEntry Name="Mono8"><Value>8</Value></EnumEntry><EnumEntry Name="Mono16"><Value>16</Value></EnumEntry><Value>16</Value></Enumeration>
      <SwissKnife Name="Ratio"><pVariable Name="X">A</pVariable><Constant Name="K">4</Constant><Formula>X / K</Formula><Unit>x</Unit></SwissKnife>
      <IntSwissKnife Name="Bytes"><pVariable Name="PF">PF</pVariable><pVariable Name="A">A</pVariable><Expression Name="BPP">PF / 8</Expression><Formula>A * BPP + (PF = PF.Entry.Mono16)</Formula></IntSwissKnife>
      <IntSwissKnife Name="Headroom"><pVariable Name="A.Max">A</pVariable><pVariable Name="A">A</pVariable><Formula>A.Max - A</Formula></IntSwissKnife>
      <IntSwissKnife Name="Mixed"><pVariable Name="G">G</pVariable><Formula>G * 3</Formula></IntSwissKnife>
      <Converter Name="Exposure"><pVariable Name="SCALE">G</pVariable><FormulaTo>FROM / SCALE</FormulaTo><FormulaFrom>TO * SCALE</FormulaFrom><pValue>Raw</pValue><Unit>us</Unit></Converter>
      <IntConverter Name="Doubled"><FormulaTo>FROM / 2</FormulaTo><FormulaFrom>TO * 2</FormulaFrom><pValue>Raw</pValue></IntConverter>
      ${intReg('Raw', 0x100)}`;

    it('evaluates formulas over other nodes, with Constant, Expression and property suffixes', async () => {
      const { map } = memoryMap(body);
      assert.equal(await map.getValue('Ratio'), 1.5);
      assert.equal(await map.getValue('Bytes'), 13);
      assert.equal(await map.getValue('Headroom'), 44);
      assert.equal(await map.getValue('Mixed'), 7);
      assert.equal((await map.describe('Ratio')).unit, 'x');
      assert.equal(await map.access('Ratio'), 'RO');
      assert.equal((await rejection(map.setValue('Ratio', 1))).message, 'Ratio: is read-only');
    });

    it('converts both ways (rounding to the integer pValue) and maps the range', async () => {
      const { map, mem } = memoryMap(body);
      mem.writeUInt32BE(40, 0x100);
      assert.equal(await map.getValue('Exposure'), 100);
      await map.setValue('Exposure', 101);
      assert.equal(mem.readUInt32BE(0x100), 40, '101 / 2.5 = 40.4 rounds to 40');
      await map.setValue('Exposure', 102);
      assert.equal(mem.readUInt32BE(0x100), 41, '40.8 rounds to 41');
      assert.equal(await map.getValue('Doubled'), 82);
      await map.setValue('Doubled', 10);
      assert.equal(mem.readUInt32BE(0x100), 5);
      const range = await map.describe('Exposure');
      assert.deepEqual([range.min, range.max], [0, 4294967295 * 2.5]);
    });
  });

  describe('common elements', () => {
    const body = `
      <Integer Name="Impl"><Value>0</Value></Integer>
      <Integer Name="Avail"><Value>1</Value></Integer>
      <Integer Name="Lock"><Value>0</Value></Integer>
      <Integer Name="Shown">
        <ToolTip>Short help</ToolTip><Description>Long help</Description><DisplayName>Shown Value</DisplayName>
        <Visibility>Guru</Visibility><IsDeprecated>Yes</IsDeprecated><pIsAvailable>Avail</pIsAvailable><pIsLocked>Lock</pIsLocked>
        <Streamable>Yes</Streamable><Value>1</Value><Unit>mm</Unit>
      </Integer>
      <Integer Name="Missing"><pIsImplemented>Impl</pIsImplemented><Value>1</Value></Integer>
      <Integer Name="Constant"><ImposedAccessMode>RO</ImposedAccessMode><Value>3</Value></Integer>
      <Group Comment="grouped"><Integer Name="InGroup"><Value>4</Value></Integer></Group>
      <ConfRom Name="Legacy"/>`;

    it('describes DisplayName, ToolTip, Description, Visibility, IsDeprecated, Streamable, Unit', async () => {
      const { map } = memoryMap(body);
      const d = await map.describe('Shown');
      assert.deepEqual(
        [d.displayName, d.toolTip, d.description, d.visibility, d.isDeprecated, d.streamable, d.unit],
        ['Shown Value', 'Short help', 'Long help', 'Guru', true, true, 'mm'],
      );
    });

    it('derives NI, NA and locked access from pIsImplemented, pIsAvailable, pIsLocked', async () => {
      const { map } = memoryMap(body);
      assert.equal(await map.access('Missing'), 'NI');
      assert.equal((await rejection(map.getValue('Missing'))).message, 'Missing: not implemented by this device (Impl is 0)');
      assert.equal(await map.access('Shown'), 'RW');
      await map.setValue('Lock', 1);
      assert.equal(await map.access('Shown'), 'RO');
      await map.setValue('Avail', 0);
      assert.equal(await map.access('Shown'), 'NA');
      assert.equal((await rejection(map.getValue('Shown'))).message, 'Shown: not available while Avail is 0');
      assert.equal(await map.isWritable('Constant'), false);
      assert.equal(await map.isReadable('Constant'), true);
    });

    it('flattens Group elements and keeps unsupported node types as opaque nodes', async () => {
      const { map } = memoryMap(body);
      assert.equal(await map.getValue('InGroup'), 4);
      assert.equal(map.typeOf('Legacy'), 'Node');
      assert.equal((await rejection(map.getValue('Legacy'))).code, 'WRONG_TYPE');
    });
  });
});
