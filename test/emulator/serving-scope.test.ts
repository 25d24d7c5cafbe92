/**
 * Where an emulator may be seen (device/serving-scope.ts): on the host it listens for discovery on
 * 127.255.255.255 and 255.255.255.255 but answers only loopback requesters; binding, streaming and
 * events stay on 127/8. (The same over a real link: test/interop/emulator-network.test.ts.)
 */
import { strict as assert } from 'node:assert';
import dgram from 'node:dgram';
import sinon from 'sinon';
import { EmulatedCamera } from '../../lib/emulator';
import { ServingScope } from '../../lib/emulator/device/serving-scope';
import { Command, Flag } from '../../lib/gvcp/protocol';
import { encodeCommand } from '../../lib/gvcp/codec';
import { uniqueLoopbackAddress } from '../support/loopback';

const discovery = encodeCommand({
  command: Command.DISCOVERY,
  flags: Flag.ACK_REQUIRED | Flag.ALLOW_BROADCAST_ACK,
  requestId: 7,
  payload: Buffer.alloc(0),
});

describe('emulator: serving the host only unless a network is allowed', () => {
  it('listens on 127.255.255.255 and 255.255.255.255 by default, and never answers a non-loopback requester', async () => {
    const camera = await EmulatedCamera.start({ address: uniqueLoopbackAddress() });
    const sendTo = sinon.spy(camera.server, 'sendTo');
    try {
      assert.deepEqual(camera.server.broadcastAddresses.sort(), ['127.255.255.255', '255.255.255.255']);
      // What the 255.255.255.255 socket hands over when a broadcast from a real network arrives.
      const onPacket = (camera.server as unknown as { onPacket(m: Buffer, r: dgram.RemoteInfo, b: boolean): void }).onPacket.bind(
        camera.server,
      );
      onPacket(discovery, { address: '192.0.2.10', port: 40000, family: 'IPv4', size: discovery.length }, true);
      onPacket(discovery, { address: '10.1.2.3', port: 40000, family: 'IPv4', size: discovery.length }, false);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(sendTo.callCount, 0, 'no answer attempted');
      assert.equal(camera.server.stats().foreignRequests, 2);
      onPacket(discovery, { address: '127.0.0.1', port: 40000, family: 'IPv4', size: discovery.length }, true);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(sendTo.callCount, 1, 'a loopback requester is answered');
    } finally {
      sendTo.restore();
      await camera.stop();
    }
  });

  it('refuses broadcast addresses beyond loopback and the limited broadcast unless a network is allowed', async () => {
    await assert.rejects(
      EmulatedCamera.start({ address: uniqueLoopbackAddress(), broadcastAddresses: ['192.168.1.255'] }),
      /192\.168\.1\.255 is not allowed/,
    );
    const host = new ServingScope(false, () => []);
    assert.equal(host.destinationAllowed('192.168.1.20'), false);
    assert.equal(host.requesterAllowed('127.0.0.1'), true);
    const network = new ServingScope(true, () => [
      { name: 'eth9', address: '192.168.1.2', netmask: '255.255.255.0', prefix: 24, broadcast: '192.168.1.255', mac: '', internal: false },
      { name: 'eth9', address: '192.168.1.3', netmask: '255.255.255.0', prefix: 24, broadcast: '192.168.1.255', mac: '', internal: false },
      { name: 'eth8', address: '10.0.0.2', netmask: '255.0.0.0', prefix: 8, broadcast: '10.255.255.255', mac: '', internal: false },
    ]);
    assert.equal(network.refusesAddress('192.168.1.2'), null);
    assert.equal(network.refusesMove('192.168.1.2', '192.168.1.3'), null);
    assert.match(network.refusesMove('192.168.1.2', '10.0.0.2') ?? '', /on eth8, not on eth9/);
    assert.match(network.refusesMove('192.168.1.2', '127.0.0.5') ?? '', /not on the interface the device is on/);
    assert.equal(network.subnetMaskOf('10.0.0.2'), '255.0.0.0');
  });
});
