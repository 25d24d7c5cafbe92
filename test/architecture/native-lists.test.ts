/**
 * The native counters are listed once (native/src/counters.h, X-macros expanded into the stats
 * structs and the bindings' stats()). This checks that JavaScript sees exactly them: each listed
 * counter is a number in a live receiver's and sender's stats(), and the TypeScript types
 * (lib/stream/native.ts StreamStats, GvspSenderStats) name the same keys the native stats() returns
 * (StreamStats also those the Stream wrapper adds).
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { COUNTED_BY_LIB_STREAM, GvspSender, StreamReceiver } from '../../lib/stream/native';
import { uniqueLoopbackAddress } from '../support/loopback';
import { ROOT } from './support/sources';

/** The names in one X-macro list of a native header: `#define LIST(X) X(a) X(b) …`. */
function macroList(list: string, header = 'counters.h'): string[] {
  const text = fs.readFileSync(path.join(ROOT, 'native', 'src', header), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
  const start = text.indexOf(`#define ${list}(X)`);
  assert.ok(start >= 0, `${list} is not defined in native/src/${header}`);
  const lines: string[] = [];
  for (const line of text.slice(start).split('\n')) {
    lines.push(line);
    if (!line.trimEnd().endsWith('\\')) break;
  }
  return [...lines.join('\n').matchAll(/\bX\((\w+)\)/g)].map((m) => m[1]);
}

/** The property names of an exported interface of lib/stream/native.ts. */
function interfaceKeys(name: string): string[] {
  const file = path.join(ROOT, 'lib', 'stream', 'native.ts');
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const found = source.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === name);
  assert.ok(found, `interface ${name} not found in lib/stream/native.ts`);
  return found.members.filter((m) => ts.isPropertySignature(m) || ts.isMethodSignature(m)).map((m) => (m.name as ts.Identifier).text);
}

describe('architecture: native counters defined once (native/src/counters.h)', () => {
  const receiverCounters = [...macroList('GIGE_ASSEMBLER_COUNTERS'), ...macroList('GIGE_RECEIVER_COUNTERS')];
  const senderCounters = macroList('GIGE_SENDER_COUNTERS');

  it('reads the lists (the scan itself works)', () => {
    assert.ok(receiverCounters.includes('framesComplete') && receiverCounters.includes('packetsRejected'));
    assert.ok(senderCounters.includes('blocksSent') && senderCounters.includes('jobsDroppedByDestinationChange'));
    assert.equal(new Set(receiverCounters).size, receiverCounters.length, 'a receiver counter is listed twice');
  });

  it("StreamReceiver.stats() reports every listed counter, and its keys are StreamStats's", async () => {
    const address = uniqueLoopbackAddress();
    const receiver = new StreamReceiver({
      bindAddress: address,
      deviceAddress: address,
      packetSize: 1500,
      maxPayloadSize: 4096,
      bufferCount: 2,
      onFrame: () => undefined,
    });
    try {
      const stats = receiver.stats() as unknown as Record<string, unknown>;
      for (const name of receiverCounters) assert.equal(typeof stats[name], 'number', `stats().${name}`);
      // StreamStats is the native stats() plus what the Stream wrapper counts itself (lib/stream/index.ts).
      const typed = interfaceKeys('StreamStats').filter((key) => !(COUNTED_BY_LIB_STREAM as readonly string[]).includes(key));
      assert.deepEqual(Object.keys(stats).sort(), typed.sort());
    } finally {
      await receiver.close();
    }
  });

  it("GvspSender.stats() reports every listed counter, and its keys are GvspSenderStats's", async () => {
    const sender = new GvspSender({ bindAddress: uniqueLoopbackAddress() });
    try {
      const stats = sender.stats() as unknown as Record<string, unknown>;
      for (const name of senderCounters) assert.equal(typeof stats[name], 'number', `stats().${name}`);
      assert.deepEqual(Object.keys(stats).sort(), interfaceKeys('GvspSenderStats').sort());
    } finally {
      await sender.close();
    }
  });
});

describe('architecture: native options defined once (native/src/options.h)', () => {
  const pairs: Array<[string, string]> = [
    ['GIGE_RECEIVER_OPTIONS', 'StreamReceiverOptions'],
    ['GIGE_RESEND_OPTIONS', 'ResendOptions'],
    ['GIGE_SENDER_CONFIG_OPTIONS', 'GvspSenderConfig'],
    ['GIGE_FAULT_OPTIONS', 'GvspFaults'],
  ];
  for (const [list, type] of pairs) {
    it(`${type} (lib/stream/native.ts) names exactly the options of ${list}`, () => {
      assert.deepEqual(interfaceKeys(type).sort(), macroList(list, 'options.h').sort());
    });
  }

  it('the readers spell no option name themselves: they use the constants the lists define', () => {
    const reads = /\b(read(?:Unsigned|Number|Bool|String)\((?:o|r|f), "|\bo\.Get\("(?!buffer))/;
    for (const file of ['receiver_binding.cc', 'sender_options.cc']) {
      const text = fs.readFileSync(path.join(ROOT, 'native', 'src', file), 'utf8');
      const configure = file === 'sender_options.cc' ? text.slice(0, text.indexOf('GvspSender.sendBlock')) : text;
      assert.doesNotMatch(configure, reads, `native/src/${file} reads an option by a literal name`);
    }
  });
});
