import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { start, killAll } from '../support/processes';
import { uniqueLoopbackAddress } from '../support/loopback';

const SCRIPT = path.join(__dirname, 'support', 'strict-flow.ts');

/**
 * Issue 15, item 1: a trigger-mode grab whose frame wait timed out during the trigger left a
 * rejection unobserved, and Node-RED exited. Here the flow runs in a process of its own with
 * `--unhandled-rejections=strict`: it must still be alive when its time is up, having really
 * exercised the timeouts (errors caught by a Catch node).
 */
describe('nodes: a trigger grab flow survives frame timeouts under --unhandled-rejections=strict', function () {
  this.timeout(60000);
  afterEach(() => killAll());

  async function runFlow(frameTimeout: string): Promise<{ grabs: number; errors: number; codes: string[] }> {
    const child = start(
      process.execPath,
      [
        '--unhandled-rejections=strict',
        '-r',
        'tsx/cjs',
        SCRIPT,
        '--address',
        uniqueLoopbackAddress(),
        '--frame-timeout',
        frameTimeout,
        '--seconds',
        '4',
      ],
      {},
      50000,
    );
    const code = await new Promise<number | null>((resolve) => child.child.once('exit', (c) => resolve(c)));
    assert.equal(code, 0, `the Node-RED process died (exit ${code}):\n${child.output().slice(-3000)}`);
    const line = /^RESULT (.*)$/m.exec(child.output());
    assert.ok(line, child.output());
    return JSON.parse(line[1]);
  }

  it('frame timeout 1 ms: every grab fails with FRAME_TIMEOUT, caught, and the process lives', async () => {
    const result = await runFlow('1');
    assert.ok(result.errors >= 3, `the timeouts were exercised: ${JSON.stringify(result)}`);
    assert.ok(result.codes.includes('FRAME_TIMEOUT'), JSON.stringify(result));
  });

  it('frame timeout 3000000000 ms (beyond what a Node timer holds) is refused clearly, and the process lives', async () => {
    const result = await runFlow('3000000000');
    assert.ok(result.errors >= 1, `the refusal reached Catch: ${JSON.stringify(result)}`);
    assert.ok(result.codes.includes('OUT_OF_RANGE'), `refused with the allowed range: ${JSON.stringify(result)}`);
    assert.ok(!result.codes.includes('FRAME_TIMEOUT'), `never truncated to a 1 ms timeout: ${JSON.stringify(result)}`);
  });
});
