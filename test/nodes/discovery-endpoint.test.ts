import * as assert from 'node:assert/strict';
import { helper, packageNodes } from './support';
import { uniqueLoopbackAddress, LOOPBACK_BROADCAST } from '../support/loopback';
import { EmulatedCamera } from '../../lib/emulator';
import { listIPv4Interfaces } from '../../lib/gvcp';

describe("nodes: the editor's camera search (admin endpoint)", function () {
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

  it('searches one interface by name (loopback: emulators), with model, serial, address, interface and reachability', async () => {
    const res = await helper.request().get('/gige-vision/discover?interface=lo&timeout=600').expect(200);
    const found = (res.body as Array<Record<string, unknown>>).find((c) => c.serial === 'FINDME01');
    assert.ok(found, JSON.stringify(res.body));
    assert.deepEqual([found.address, found.model, found.interface, found.reachable], [emulator.address, 'DMK 38GX541-a', 'lo', true]);
  });

  it('names the interface a camera answered on for a broadcast search too', async () => {
    const res = await helper.request().get(`/gige-vision/discover?broadcast=${LOOPBACK_BROADCAST}&timeout=600`).expect(200);
    const found = (res.body as Array<Record<string, string>>).find((c) => c.serial === 'FINDME01');
    assert.equal(found?.interface, 'lo');
  });

  it('refuses an interface this host does not have, listing those it has', async () => {
    const res = await helper.request().get('/gige-vision/discover?interface=nosuchif9').expect(400);
    assert.match(res.body.error, /Interface "nosuchif9" has no IPv4 address on this host; interfaces with one: .*lo/);
  });

  it("lists the host's interfaces for the interface choice", async () => {
    const res = await helper.request().get('/gige-vision/interfaces').expect(200);
    const lo = (res.body as Array<Record<string, unknown>>).find((i) => i.name === 'lo');
    assert.deepEqual([lo?.address, lo?.broadcast, lo?.internal], ['127.0.0.1', LOOPBACK_BROADCAST, true]);
  });

  it('refuses a broadcast address that is not IPv4, saying so', async () => {
    const res = await helper.request().get('/gige-vision/discover?broadcast=everywhere').expect(400);
    assert.match(res.body.error, /not an IPv4 address/);
  });

  it('asks one camera by its unicast address', async () => {
    const res = await helper.request().get(`/gige-vision/discover?address=${emulator.address}&timeout=600`).expect(200);
    assert.deepEqual(
      (res.body as Array<Record<string, string>>).map((c) => c.serial),
      ['FINDME01'],
    );
  });

  // Issue 15: an editor request must not make Node-RED send anywhere but its own links. Nothing is
  // sent in these cases: each is refused before a socket exists.
  for (const [query, pattern] of [
    ['broadcast=255.255.255.255', /not the broadcast address of an interface of this host; allowed: .*127\.255\.255\.255/],
    ['broadcast=198.51.100.255', /not the broadcast address of an interface of this host/],
    ['broadcast=8.8.8.8', /not the broadcast address of an interface of this host/],
    ['address=255.255.255.255', /not a single camera/],
    ['address=239.1.2.3', /not a single camera/],
    ['address=127.255.255.255', /not a single camera/],
  ] as const) {
    it(`refuses ?${query}, saying what is allowed`, async () => {
      // Were the address this host's own broadcast, the request would be allowed and send: never here.
      const target = query.split('=')[1];
      assert.ok(
        query.startsWith('address') || !listIPv4Interfaces().some((i) => i.broadcast === target),
        `${target} is a broadcast of this host`,
      );
      const res = await helper.request().get(`/gige-vision/discover?${query}`).expect(400);
      assert.match(res.body.error, pattern);
    });
  }
});
