/**
 * The layer rules of docs/architecture.md, checked on the imports of lib/, nodes/ and bin/ (type-only
 * imports count: they are dependencies of the design even where the JavaScript loses them).
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { ROOT, sourceFiles } from './support/sources';
import { ImportEdge, importCycles, importsOf } from './support/imports';

type Layer = 'errors' | 'index' | 'gvcp' | 'genicam' | 'stream' | 'camera' | 'emulator' | 'nodes' | 'bin' | 'external';

function layerOf(file: string): Layer {
  if (file === 'lib/errors.ts') return 'errors';
  if (file === 'lib/index.ts') return 'index';
  const [top, second] = file.split('/');
  if (top === 'lib' && ['gvcp', 'genicam', 'stream', 'camera', 'emulator'].includes(second)) return second as Layer;
  if (top === 'nodes' || top === 'bin') return top;
  if (top === 'lib') throw new Error(`${file}: a lib/ file outside the known layers; add its layer to docs/architecture.md and this test`);
  return 'external';
}

/** Which lib layers each lib layer may import (besides itself). */
const LIB_MAY_IMPORT: Record<string, Layer[]> = {
  errors: [],
  gvcp: ['errors'],
  genicam: ['errors'],
  stream: ['errors'],
  camera: ['errors', 'gvcp', 'genicam', 'stream'],
  emulator: ['errors', 'gvcp', 'stream'],
  index: ['errors', 'gvcp', 'genicam', 'stream', 'camera', 'emulator'],
};

/** The one sanctioned crossing between the three lower layers: a GVCP device is a GenICam port. */
function sanctioned(e: ImportEdge): boolean {
  return e.from.startsWith('lib/gvcp/') && e.to === 'lib/genicam/port.ts' && e.typeOnly;
}

const show = (edges: ImportEdge[]): string => edges.map((e) => `${e.from} -> ${e.to}${e.typeOnly ? ' (type)' : ''}`).join('\n  ');

describe('architecture: layer rules (docs/architecture.md)', () => {
  const lib = sourceFiles(['lib']).map((f) => path.relative(ROOT, f));
  const nodes = sourceFiles(['nodes']).map((f) => path.relative(ROOT, f));
  const bin = sourceFiles(['bin']).map((f) => path.relative(ROOT, f));
  const edges = [...lib, ...nodes, ...bin].flatMap((f) => importsOf(path.join(ROOT, f)));
  const libEdges = edges.filter((e) => e.from.startsWith('lib/'));

  it('reads the imports (the scan itself works)', () => {
    assert.ok(libEdges.length > 300, `only ${libEdges.length} imports in lib/`);
    assert.ok(edges.some((e) => e.from === 'lib/camera/camera.ts' && e.to.startsWith('lib/gvcp/')));
  });

  it('lib/ never imports Node-RED, nodes/ or bin/', () => {
    const bad = libEdges.filter((e) => /^(node-red|@node-red\/)/.test(e.to) || e.to.startsWith('nodes/') || e.to.startsWith('bin/'));
    assert.deepEqual(bad, [], `\n  ${show(bad)}`);
  });

  it('each lib/ layer imports only the layers below it', () => {
    const bad = libEdges.filter((e) => {
      const to = layerOf(e.to);
      const from = layerOf(e.from);
      return to !== 'external' && to !== from && !LIB_MAY_IMPORT[from].includes(to) && !sanctioned(e);
    });
    assert.deepEqual(bad, [], `imports against the layer order (docs/architecture.md):\n  ${show(bad)}`);
  });

  it('the connection pool does not start emulators itself (lib/camera/pool.ts takes a launcher)', () => {
    const bad = libEdges.filter((e) => e.from === 'lib/camera/pool.ts' && e.to.startsWith('lib/emulator/'));
    assert.deepEqual(bad, []);
  });

  it('no lib/ file imports lib/index.ts (the front door is for programs and nodes)', () => {
    const bad = libEdges.filter((e) => e.to === 'lib/index.ts' && e.from !== 'lib/index.ts');
    assert.deepEqual(bad, [], `\n  ${show(bad)}`);
  });

  it("nodes/ use lib/camera and the other layers' front doors (lib/<layer>/index.ts), never their insides", () => {
    const bad = edges.filter(
      (e) => e.from.startsWith('nodes/') && /^lib\/(gvcp|genicam|stream|emulator)\//.test(e.to) && !e.to.endsWith('/index.ts'),
    );
    assert.deepEqual(bad, [], `\n  ${show(bad)}`);
  });

  it('bin/ does not import nodes/ (the CLI works without Node-RED)', () => {
    const bad = edges.filter((e) => e.from.startsWith('bin/') && (e.to.startsWith('nodes/') || /^(node-red|@node-red\/)/.test(e.to)));
    assert.deepEqual(bad, [], `\n  ${show(bad)}`);
  });

  it('there are no import circles in lib/', () => {
    const cycles = importCycles(libEdges, lib);
    assert.deepEqual(cycles, [], `circles:\n  ${cycles.map((c) => c.join(' <-> ')).join('\n  ')}`);
  });
});
