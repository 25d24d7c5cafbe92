/**
 * The editor's commissioning endpoints in the root namespace: only what is refused before anything
 * is sent (the FORCEIP itself is tested inside namespaces, test/network/commissioning-editor.test.ts),
 * and the permissions they sit behind.
 */
import * as assert from 'node:assert/strict';
import type { NodeAPI } from 'node-red';
import { helper, packageNodes, onTab } from './support';
import { registerCommissioningEndpoint } from '../../nodes/commissioning-endpoint';

describe('nodes: the commissioning endpoints refuse what they cannot do, with what is allowed', () => {
  beforeEach(() => helper.startServer());
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
  });

  it('the camera list needs an interface of this host: the limited broadcast leaves through that one only', async () => {
    await helper.load(packageNodes, onTab([]));
    const none = await helper.request().get('/gige-vision/commissioning/cameras').expect(400);
    assert.equal(none.body.code, 'BAD_INTERFACE');
    assert.match(none.body.error, /^no interface given; name the interface that faces the camera: /);
    assert.doesNotMatch(none.body.error, /\blo\b/, 'loopback is not offered');
    const loopback = await helper.request().get('/gige-vision/commissioning/cameras?interface=lo').expect(400);
    assert.match(loopback.body.error, /^"lo" is the loopback interface, where every camera is reachable; name the interface/);
    const unknown = await helper.request().get('/gige-vision/commissioning/cameras?interface=eth%3Cb%3E9').expect(400);
    assert.match(unknown.body.error, /^interface "eth<b>9" has no IPv4 address on this host; name the interface that faces the camera: /);
  });

  it('force-ip needs a MAC address, strings for address and gateway, and an interface of this host', async () => {
    await helper.load(packageNodes, onTab([]));
    const post = (body: unknown) =>
      helper
        .request()
        .post('/gige-vision/commissioning/force-ip')
        .send(body as object);
    const badMac = await post({ mac: 'camera-1', interface: 'eth0' }).expect(400);
    assert.equal(badMac.body.code, 'BAD_MAC');
    assert.match(badMac.body.error, /mac "camera-1" is not a MAC address; give the camera's, e\.g\. 00:07:48:12:34:56/);
    const badIf = await post({ mac: '00:07:48:12:34:56', interface: 'nope0' }).expect(400);
    assert.equal(badIf.body.code, 'BAD_INTERFACE');
    const badAddress = await post({ mac: '00:07:48:12:34:56', interface: 'eth0', address: 7 }).expect(400);
    assert.match(badAddress.body.error, /^address 7 must be a string \('auto' or ADDR\/PREFIX\)/);
    const loopback = await post({ mac: '00:07:48:12:34:56', interface: 'lo' }).expect(400);
    assert.equal(loopback.body.code, 'BAD_INTERFACE');
  });

  it("listing needs the editor's read permission, FORCEIP its write permission", () => {
    const routes: Array<[string, string, string]> = [];
    const fake = {
      auth: { needsPermission: (permission: string) => permission },
      httpAdmin: {
        get: (path: string, permission: string) => routes.push(['GET', path, permission]),
        post: (path: string, permission: string) => routes.push(['POST', path, permission]),
      },
    } as unknown as NodeAPI;
    registerCommissioningEndpoint(fake);
    assert.deepEqual(routes, [
      ['GET', '/gige-vision/commissioning/cameras', 'gige-vision.read'],
      ['POST', '/gige-vision/commissioning/force-ip', 'gige-vision.write'],
    ]);
  });
});
