/**
 * IP configuration like the real camera's: the persistent-IP features and bootstrap registers,
 * FORCEIP changing only the current address, and what survives a restart with a state file —
 * through the library (GenICam features, lib/gvcp/forceip.ts) and through the CLI (`gige set`,
 * `gige emulate --state-dir`). Also `gige emulate --count N`. Everything on 127.x.
 */
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { EmulatedCamera } from '../../lib/emulator';
import { GvcpDevice } from '../../lib/gvcp/device';
import { discover } from '../../lib/gvcp/discovery';
import { forceIp } from '../../lib/gvcp/forceip';
import { ipToNumber, numberToIp } from '../../lib/gvcp/address';
import { NodeMap, loadDeviceXml } from '../../lib/genicam';
import { LOOPBACK_BROADCAST, uniqueLoopbackAddress } from '../support/loopback';
import { builtCli, killAll, start } from '../support/processes';

async function withFeatures<T>(address: string, work: (map: NodeMap) => Promise<T>): Promise<T> {
  const device = await GvcpDevice.connect({ address });
  try {
    const map = NodeMap.fromXml(await loadDeviceXml(device.port, { cacheDir: false }), { device: device.port });
    return await work(map);
  } finally {
    await device.close();
  }
}

/** `count` consecutive free loopback addresses. */
function consecutiveAddresses(count: number): string[] {
  for (;;) {
    const list = Array.from({ length: count }, () => uniqueLoopbackAddress());
    if (list.every((a, i) => ipToNumber(a) === ipToNumber(list[0]) + i)) return list;
  }
}

function gige(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [builtCli(), ...args], { encoding: 'utf8', timeout: 30000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('emulator: IP configuration, FORCEIP and persistence', function () {
  this.timeout(60000);
  let dir: string;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gige-ipcfg-'));
  });
  after(() => {
    killAll();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('library: persistent IP written as features survives a restart; FORCEIP moves the camera but is not kept', async () => {
    const [given, persistent, forced] = [uniqueLoopbackAddress(), uniqueLoopbackAddress(), uniqueLoopbackAddress()];
    const stateFile = path.join(dir, 'library.json');
    let camera = await EmulatedCamera.start({ address: given, serial: 'IPCFG001', stateFile, broadcastAddresses: [LOOPBACK_BROADCAST] });
    try {
      await withFeatures(given, async (map) => {
        assert.equal(await map.getValue('GevCurrentIPConfigurationLLA'), true);
        assert.equal(await map.getValue('GevPersistentIPAddress'), ipToNumber(given), 'factory: the given address is the static one');
        await map.setValue('GevPersistentIPAddress', ipToNumber(persistent));
        await map.setValue('GevPersistentSubnetMask', ipToNumber('255.255.0.0'));
        await map.setValue('GevPersistentDefaultGateway', ipToNumber('127.0.0.1'));
        await map.setValue('GevCurrentIPConfigurationDHCP', true);
        await map.setValue('GevCurrentIPConfigurationPersistentIP', true);
        assert.equal(numberToIp(Number(await map.getValue('GevPersistentIPAddress'))), persistent);
        assert.equal(await map.getValue('GevCurrentIPAddress'), ipToNumber(given), 'persistent settings apply at the next start');
      });
      const mac = (await discover({ address: given, timeoutMs: 500, expected: 1 }))[0].macAddress;
      const moved = await forceIp({
        macAddress: mac,
        ipAddress: forced,
        subnetMask: '255.0.0.0',
        broadcast: LOOPBACK_BROADCAST,
        timeoutMs: 500,
      });
      assert.deepEqual(moved, { address: forced }, 'the ack comes from the new address');
      assert.equal(camera.address, forced);
      await withFeatures(forced, async (map) => {
        assert.equal(numberToIp(Number(await map.getValue('GevCurrentIPAddress'))), forced);
        assert.equal(
          numberToIp(Number(await map.getValue('GevPersistentIPAddress'))),
          persistent,
          'FORCEIP does not touch the persistent address',
        );
      });
      assert.deepEqual(await discover({ address: given, timeoutMs: 200 }), [], 'nothing answers at the old address');
    } finally {
      await camera.stop();
    }
    const kept = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
    assert.equal(kept.persistentAddress, persistent);

    camera = await EmulatedCamera.start({ address: given, serial: 'IPCFG001', stateFile, broadcastAddresses: [] });
    try {
      assert.equal(camera.address, persistent, 'powered up at the persistent IP, not the given or the forced one');
      await withFeatures(persistent, async (map) => {
        assert.equal(await map.getValue('GevCurrentSubnetMask'), ipToNumber('255.255.0.0'));
        assert.equal(await map.getValue('GevCurrentIPConfigurationPersistentIP'), true);
        assert.equal(await map.getValue('GevCurrentIPConfigurationDHCP'), true);
        await map.setValue('GevCurrentIPConfigurationPersistentIP', false);
      });
    } finally {
      await camera.stop();
    }
    camera = await EmulatedCamera.start({ address: given, serial: 'IPCFG001', stateFile, broadcastAddresses: [] });
    try {
      assert.equal(camera.address, given, 'persistent IP off: the given address (what DHCP/LLA would give)');
    } finally {
      await camera.stop();
    }
  });

  it('refuses FORCEIP to an address it cannot serve, and a state file that is not its own', async () => {
    const address = uniqueLoopbackAddress();
    const camera = await EmulatedCamera.start({ address, broadcastAddresses: [LOOPBACK_BROADCAST] });
    const warnings: string[] = [];
    camera.on('warning', (err: Error) => warnings.push(err.message));
    try {
      const mac = (await discover({ address, timeoutMs: 500, expected: 1 }))[0].macAddress;
      // 192.0.2.0/24 is documentation-only: the camera refuses it and nothing is ever sent there.
      await assert.rejects(
        forceIp({ macAddress: mac, ipAddress: '192.0.2.9', subnetMask: '255.255.255.0', broadcast: LOOPBACK_BROADCAST, timeoutMs: 500 }),
        /FORCEIP refused: INVALID_PARAMETER/,
      );
      assert.equal(camera.address, address);
      assert.ok(
        warnings.some((w) => /FORCEIP to 192\.0\.2\.9 refused: 192\.0\.2\.9 is not a loopback address/.test(w)),
        warnings.join('\n'),
      );
    } finally {
      await camera.stop();
    }
    // A persistent IP the host does not have (192.0.2.0/24 is documentation-only): the camera
    // comes up at its given address instead, and says why.
    const unusable = path.join(dir, 'unusable.json');
    fs.writeFileSync(
      unusable,
      JSON.stringify({
        version: 1,
        configuration: 5,
        persistentAddress: '192.0.2.55',
        persistentSubnetMask: '255.255.255.0',
        persistentGateway: '0.0.0.0',
        userDefinedName: '',
      }),
    );
    const given = uniqueLoopbackAddress();
    const fallback = await EmulatedCamera.start({ address: given, stateFile: unusable, allowNetwork: true, broadcastAddresses: [] });
    const said: string[] = [];
    fallback.on('warning', (err: Error) => said.push(err.message));
    try {
      assert.equal(fallback.address, given);
      await new Promise((r) => setImmediate(r));
      assert.ok(
        said.some((m) => /persistent IP 192\.0\.2\.55 is not used: .*not an address of this host/.test(m)),
        said.join('\n'),
      );
    } finally {
      await fallback.stop();
    }
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, '{"persistentAddress": 3}');
    await assert.rejects(
      EmulatedCamera.start({ address: uniqueLoopbackAddress(), stateFile: bad, broadcastAddresses: [] }),
      /state file .*bad\.json.*delete it/,
    );
  });

  it('CLI: `gige set` the persistent IP, restart `gige emulate --state-dir`, it comes up there', async () => {
    const [given, persistent] = [uniqueLoopbackAddress(), uniqueLoopbackAddress()];
    const stateDir = path.join(dir, 'cli');
    const args = ['emulate', '--address', given, '--serial', 'IPCLI01', '--state-dir', stateDir, '--no-io'];
    let emulator = start(process.execPath, [builtCli(), ...args]);
    await emulator.waitFor(/serial IPCLI01 at /);
    const set = gige('set', '-a', given, `GevPersistentIPAddress=${ipToNumber(persistent)}`, 'GevCurrentIPConfigurationPersistentIP=true');
    assert.equal(set.status, 0, set.stderr);
    assert.match(set.stdout, new RegExp(`^GevPersistentIPAddress=${ipToNumber(persistent)}$`, 'm'));
    assert.equal(await emulator.stop('SIGINT'), 0);
    assert.ok(fs.existsSync(path.join(stateDir, 'IPCLI01.json')), 'one state file per camera, named by serial');

    emulator = start(process.execPath, [builtCli(), ...args]);
    const out = await emulator.waitFor(/serial IPCLI01 at /);
    assert.match(
      out,
      new RegExp(`serial IPCLI01 at ${persistent.replace(/\./g, '\\.')} \\(its persistent IP; given ${given.replace(/\./g, '\\.')}\\)`),
    );
    const get = gige('get', '-a', persistent, 'GevCurrentIPAddress', 'GevCurrentIPConfigurationPersistentIP');
    assert.equal(get.status, 0, get.stderr);
    assert.equal(get.stdout, `GevCurrentIPAddress=${ipToNumber(persistent)}\nGevCurrentIPConfigurationPersistentIP=true\n`);
    assert.equal(await emulator.stop('SIGINT'), 0);
  });

  it('CLI: `gige emulate --count 3` serves consecutive addresses with distinct serials and MACs', async () => {
    const addresses = consecutiveAddresses(3);
    const emulator = start(process.execPath, [builtCli(), 'emulate', '--address', addresses[0], '--count', '3', '--no-io']);
    await emulator.waitFor(/Ctrl-C to stop/);
    const found = await discover({ broadcast: LOOPBACK_BROADCAST, timeoutMs: 500 });
    const ours = found.filter((d) => addresses.includes(d.ipAddress)).sort((a, b) => ipToNumber(a.ipAddress) - ipToNumber(b.ipAddress));
    assert.deepEqual(
      ours.map((d) => d.ipAddress),
      addresses,
    );
    assert.equal(new Set(ours.map((d) => d.serialNumber)).size, 3, ours.map((d) => d.serialNumber).join(' '));
    assert.equal(new Set(ours.map((d) => d.macAddress)).size, 3, ours.map((d) => d.macAddress).join(' '));
    assert.equal(await emulator.stop('SIGINT'), 0);
    assert.match(emulator.output(), /3 emulators stopped/);
  });

  it('CLI: refuses a non-loopback address without --allow-network, naming the flag', () => {
    const r = gige('emulate', '--address', '192.0.2.5');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /192\.0\.2\.5 is not a loopback address.*add --allow-network/);
  });
});
