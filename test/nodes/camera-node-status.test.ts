import { strict as assert } from 'node:assert';
import { EventEmitter } from 'node:events';
import type { NodeStatus } from 'node-red';

import { CameraNodeStatus } from '../../nodes/camera-node-status';
import type { CameraUserNode } from '../../nodes/types';
import type { NodeCamera } from '../../nodes/camera-access';

/** A connected camera and a node that records what it shows. */
function setup() {
  const camera = Object.assign(new EventEmitter(), { state: 'connected', address: '127.0.0.2' });
  const shown: NodeStatus[] = [];
  const node = { id: 'n1', status: (s: NodeStatus) => shown.push(s) } as unknown as CameraUserNode;
  const status = new CameraNodeStatus(node, camera as unknown as NodeCamera, (key) => key);
  return { status, shown };
}

describe('CameraNodeStatus', () => {
  it('makes a per-frame status text only when it is shown, and shows the last one', async () => {
    const { status, shown } = setup();
    let made = 0;
    // The first counter update after construction is shown within the throttle (1 s), the rest wait for it.
    for (let frame = 1; frame <= 500; frame += 1) {
      status.working(() => {
        made += 1;
        return { fill: 'green', shape: 'dot', text: `${frame} frames` };
      }, true);
    }
    assert.equal(made, 0, 'no text is made while updates are only being collected');
    const deadline = Date.now() + 10000;
    while (!shown.some((s) => s.text === '500 frames') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(shown[shown.length - 1].text, '500 frames', 'the last count is what shows');
    assert.equal(made, 1, `one text made for 500 updates (made ${made})`);
    status.stop();
  });

  it('arms no timer for a counter update that arrives after stop (an event already on its way)', () => {
    const { status, shown } = setup();
    status.working({ fill: 'green', shape: 'dot', text: 'running' });
    status.stop();
    const timersBefore = process.getActiveResourcesInfo().filter((type) => type === 'Timeout').length;
    status.working(() => ({ fill: 'green', shape: 'dot', text: '1 event' }), true);
    const timersAfter = process.getActiveResourcesInfo().filter((type) => type === 'Timeout').length;
    assert.equal(timersAfter, timersBefore, 'a stopped status keeps nothing running');
    assert.equal(shown[shown.length - 1].text, 'running');
  });

  it('still shows a plain status at once', () => {
    const { status, shown } = setup();
    status.working({ fill: 'grey', shape: 'ring', text: 'stopped' });
    assert.equal(shown[shown.length - 1].text, 'stopped');
    status.stop();
  });
});
