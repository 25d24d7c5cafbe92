import * as assert from 'node:assert/strict';
import { helper, packageNodes } from './support';
import { uniqueLoopbackAddress, LOOPBACK_BROADCAST } from '../support/loopback';
import { EmulatedCamera } from '../../lib/emulator';

describe('nodes: the editor\'s camera search (admin endpoint)', function () {
  let emulator: EmulatedCamera;

  beforeEach(async () => {
    emulator = await EmulatedCamera.start({ address: uniqueLoopbackAddress(), serial: 'FINDME01' });
    await helper.startServer();
    await helper.load(packageNodes, []);
  });

  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
    await emulator.stop();
  });

  it('lists the cameras answering DISCOVERY at the given broadcast address', async () => {
    const res = await helper.request().get(`/gige-vision/discover?broadcast=${LOOPBACK_BROADCAST}&timeout=600`).expect(200);
    const found = (res.body as Array<Record<string, string>>).find((c) => c.serial === 'FINDME01');
    assert.ok(found, JSON.stringify(res.body));
    assert.equal(found.address, emulator.address);
    assert.equal(found.model, 'DMK 38GX541-a');
    assert.equal(found.vendor, 'The Imaging Source Europe GmbH');
  });

  it('refuses a broadcast address that is not IPv4, saying so', async () => {
    const res = await helper.request().get('/gige-vision/discover?broadcast=everywhere').expect(400);
    assert.match(res.body.error, /not an IPv4 address/);
  });
});
