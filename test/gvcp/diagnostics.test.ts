import assert from 'node:assert/strict';
import { GvcpDevice } from '../../lib/gvcp/device';
import { discoverWithDiagnostics, formatDeviceReport, formatDiscoveryReport, inspectDevice } from '../../lib/gvcp/diagnostics';
import { reachability } from '../../lib/gvcp/discovery';
import { NetworkInterfaceInfo, directedBroadcast, interfaceForAddress, suggestAddress } from '../../lib/gvcp/interfaces';
import { LOOPBACK_BROADCAST } from '../support/loopback';
import { startTestDevice, TestDevice } from './support/harness';

const eth: NetworkInterfaceInfo = {
  name: 'eth1',
  address: '192.168.10.1',
  netmask: '255.255.255.0',
  prefix: 24,
  broadcast: '192.168.10.255',
  mac: '',
  internal: false,
  mtu: 1500,
};

describe('gvcp: diagnostics', function () {
  let dev: TestDevice;
  const open: Array<{ close(): Promise<void> }> = [];
  beforeEach(async () => {
    dev = await startTestDevice({ broadcastAddresses: [LOOPBACK_BROADCAST], modelOptions: { serial: `DIAG${process.pid}` } });
  });
  afterEach(async () => {
    for (const o of open.splice(0)) await o.close().catch(() => undefined);
    await dev.stop();
  });

  it('inspectDevice: interface, reachability, identity and who holds control, without taking it', async () => {
    const holder = await GvcpDevice.connect({ address: dev.address });
    open.push(holder);
    const r = await inspectDevice({ address: dev.address });
    assert.equal(r.reachable, true);
    assert.equal(r.interface?.name, 'lo');
    assert.equal(r.localAddress, '127.0.0.1');
    assert.equal(r.sameSubnet, true);
    assert.equal(r.identity?.serialNumber, `DIAG${process.pid}`);
    assert.deepEqual(r.control, {
      access: 'control',
      switchoverEnabled: false,
      ip: '127.0.0.1',
      port: holder.channel.localEndpoint().port,
    });
    assert.equal(r.heartbeatTimeoutMs, 3000);
    assert.equal(r.linkSpeedMbps, 1000);
    assert.equal(r.streamPacketSize, 1500);
    assert.ok(r.capabilities.includes('PENDING_ACK') && r.capabilities.includes('ACTION'));
    assert.match(r.problems.join('\n'), /another application controls this camera \(127\.0\.0\.1:\d+\); you can only monitor it/);
    assert.equal((await holder.controlHolder()).isUs, true, 'inspection did not disturb the controller');
    const text = formatDeviceReport(r);
    assert.match(text, /^Camera 127\.\d+\.\d+\.\d+: answers/);
    assert.match(text, /via interface lo 127\.0\.0\.1\/8 MTU 65536/);
    assert.match(text, /control held by: control access by 127\.0\.0\.1:\d+/);
  });

  it('inspectDevice reports exclusive access and silence with advice', async () => {
    const holder = await GvcpDevice.connect({ address: dev.address, access: 'exclusive' });
    open.push(holder);
    const r = await inspectDevice({ address: dev.address });
    assert.equal(r.control?.access, 'exclusive');
    assert.match(r.problems.join('\n'), /exclusive access: registers cannot even be read/);
    const silent = await inspectDevice({ address: '127.3.2.1', timeoutMs: 100 });
    assert.equal(silent.reachable, false);
    assert.match(silent.problems[0], /no answer to DISCOVERY from 127\.3\.2\.1 within 100 ms/);
    assert.match(silent.advice[0], /gige discover/);
  });

  it('discoverWithDiagnostics on lo finds the camera as reachable and prints the interface', async () => {
    const r = await discoverWithDiagnostics({ interfaces: ['lo'], timeoutMs: 300 });
    const mine = r.devices.filter((d) => d.serialNumber === `DIAG${process.pid}`);
    assert.equal(mine.length, 1);
    assert.equal(mine[0].reachable, true);
    assert.equal(mine[0].interface.name, 'lo');
    assert.match(formatDiscoveryReport(r), /Interface lo 127\.0\.0\.1\/8 MTU 65536 .*broadcast 127\.255\.255\.255/);
    await assert.rejects(discoverWithDiagnostics({ interfaces: ['nosuch0'] }), /interface "nosuch0" has no IPv4 address/);
  });

  it('reachability says what to do for a camera on a foreign subnet', () => {
    const foreign = reachability({ ipAddress: '10.0.0.5', subnetMask: '255.255.255.0', macAddress: '00:07:48:00:00:01' }, eth);
    assert.equal(foreign.reachable, false);
    assert.match(foreign.problem!, /camera 10\.0\.0\.5\/255\.255\.255\.0 is not in the subnet of eth1 \(192\.168\.10\.1\/24\)/);
    assert.match(
      foreign.advice!,
      /FORCEIP .*ipAddress: '192\.168\.10\.\d+', subnetMask: '255\.255\.255\.0', broadcast: '192\.168\.10\.255'/,
    );
    const narrow = reachability({ ipAddress: '192.168.10.50', subnetMask: '255.255.255.252', macAddress: 'x' }, eth);
    assert.match(narrow.problem!, /subnet mask 255\.255\.255\.252, which does not include this host/);
    assert.equal(reachability({ ipAddress: '192.168.10.50', subnetMask: '255.255.255.0', macAddress: 'x' }, eth).reachable, true);
    assert.equal(directedBroadcast('10.1.2.3', '255.255.0.0'), '10.1.255.255');
    assert.equal(interfaceForAddress('192.168.10.77', [eth])?.name, 'eth1');
    const s = suggestAddress(eth)!;
    assert.ok(s.startsWith('192.168.10.') && s !== '192.168.10.1' && s !== '192.168.10.255' && s !== '192.168.10.0', s);
  });
});
