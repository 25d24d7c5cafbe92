import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

import { uniqueLoopbackAddress } from '../support/loopback';

/**
 * The receiver must never take bytes off V8's external-memory count that it did not add: V8 13
 * (Node 24) aborts the whole process when that count would go below zero, and a fresh process has
 * almost nothing counted yet. So a fresh process — of the Node that runs this suite — streams
 * 20 MB frames, keeps some and drops others, and must end normally.
 */
describe('native: frames in a fresh process leave V8’s external-memory count valid', function () {
  this.timeout(90000);

  it('streams, keeps and drops 4504² frames and exits normally (Node 24 aborted here)', () => {
    const child = spawnSync(
      process.execPath,
      ['-r', 'tsx/cjs', path.join(__dirname, 'support', 'fresh-stream.ts'), uniqueLoopbackAddress()],
      { encoding: 'utf8', timeout: 80000 },
    );
    assert.equal(
      child.status,
      0,
      `the process ended with ${child.status ?? child.signal} (${process.version}):\n${child.stdout}\n${child.stderr.slice(-1500)}`,
    );
    assert.match(child.stdout, /^ok$/m);
  });
});
