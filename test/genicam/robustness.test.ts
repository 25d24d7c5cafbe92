import { strict as assert } from 'node:assert';
import { MemoryPort, NodeMap } from '../../lib/genicam';
import { isGigeError } from '../../lib/errors';
import { TESTCAM_XML, testcamMemory } from './testcam';

/** Deterministic pseudo-random numbers, so a failure can be replayed. */
function rng(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
}

/** A damaged copy of the file: cut, characters dropped or duplicated, a name changed. */
function mutate(text: string, random: () => number): string {
  const at = Math.floor(random() * text.length);
  switch (Math.floor(random() * 5)) {
    case 0:
      return text.slice(0, at);
    case 1:
      return text.slice(0, at) + text.slice(at + 1 + Math.floor(random() * 20));
    case 2:
      return text.slice(0, at) + text.slice(at, at + 30) + text.slice(at);
    case 3:
      return text.replace(/Name="([A-Za-z]+)"/g, (m, name: string) => (random() < 0.02 ? `Name="${name}X"` : m));
    default:
      return text.replace(/>([0-9x]+)</g, (m) => (random() < 0.05 ? `>${Math.floor(random() * 1e6) - 5e5}<` : m));
  }
}

describe('genicam robustness against damaged files', () => {
  it('either loads or throws one GigeError, and a loaded map lists without throwing (300 damaged files)', async function () {
    this.timeout(20000);
    const random = rng(20261124);
    let loaded = 0;
    for (let i = 0; i < 300; i += 1) {
      const text = mutate(TESTCAM_XML, random);
      let map: NodeMap;
      try {
        map = NodeMap.fromXml(text, { device: new MemoryPort(testcamMemory()), commandTimeoutMs: 5 });
      } catch (err) {
        assert.ok(isGigeError(err), `case ${i}: ${(err as Error).stack}`);
        continue;
      }
      loaded += 1;
      const list = await map.list();
      for (const feature of list) {
        if (feature.access === 'RW' && feature.type === 'Integer') {
          await map
            .setValue(feature.name, 0)
            .catch((err: unknown) => assert.ok(isGigeError(err), `case ${i} ${feature.name}: ${(err as Error).stack}`));
        }
      }
    }
    assert.ok(loaded > 30 && loaded < 300, `${loaded} of 300 damaged files loaded`);
  });
});
