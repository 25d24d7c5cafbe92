/**
 * Host problems found on connect, each reported once with the exact command that fixes it — and
 * that command, run as given (as root here, so without `sudo`), fixes it:
 *
 * - a firewall on the host that lets GVCP answers in but drops the camera's stream (iptables),
 * - a host interface whose MTU (1500) is smaller than the packet size asked for (9000),
 * - (as an unprivileged user) a receive-buffer limit smaller than one frame; that fix is global to
 *   the machine, so it is only checked, not applied.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Namespace, deleteAllNamespaces } from '../interop/support/netns';
import { CLIENT, skipWithoutNetworks, emulate, lines, link } from './support/topology';

interface Event {
  type: string;
  code?: string;
  check?: string;
  fix?: string;
  message?: string;
  status?: string;
}

function hasTool(name: string): boolean {
  return ['/usr/sbin', '/usr/bin', '/sbin', '/bin'].some((d) => fs.existsSync(`${d}/${name}`));
}

describe('network: host checks on connect, each with the command that fixes it', function () {
  this.timeout(180000);
  let host: Namespace;
  let hostIf: string;
  let camera: string;

  const connect = async (args: string[], asUser?: string): Promise<{ events: Event[]; summary: { complete: number } }> => {
    const cmd = asUser ? ['setpriv', `--reuid=${asUser}`, `--regid=${asUser}`, '--clear-groups', process.execPath] : [process.execPath];
    const r = await host.run(
      cmd[0],
      [...cmd.slice(1), '-r', require.resolve('tsx/cjs'), CLIENT, '--address', camera, '--frames', '3', '--seconds', '12', ...args],
      60000,
    );
    assert.equal(r.code, 0, r.stdout + r.stderr);
    return { events: lines<Event>(r.stdout, 'EV'), summary: lines<{ complete: number }>(r.stdout, 'SUMMARY')[0] };
  };
  const problems = (events: Event[], check: string) =>
    events.filter((e) => e.type === 'warning' && e.code === 'HOST_CHECK' && e.check === check);

  before(async function () {
    skipWithoutNetworks(this);
    if (!hasTool('iptables')) {
      console.log('      skipped: the firewall check needs iptables (.ci/run installs it)');
      this.skip();
    }
    host = Namespace.create('hch');
    const cam = Namespace.create('hcc');
    const subnet = `10.${60 + (process.pid % 100)}.9`;
    ({ aName: hostIf } = link(host, `${subnet}.1/24`, cam, `${subnet}.2/24`, 9000));
    camera = `${subnet}.2`;
    host.ip(['link', 'set', hostIf, 'mtu', '1500']);
    const p = emulate(cam, ['--address', camera, '--allow-network', '--serial', 'HOSTCHK1']);
    await p.waitFor('Ctrl-C to stop', 20000);
  });
  after(async () => {
    await deleteAllNamespaces();
  });

  it('a firewall that drops the stream: found by a test packet, fixed by the iptables command it names', async () => {
    // GVCP answers (source port 3956) pass; anything else from the camera — its stream — is dropped.
    for (const rule of [
      ['-A', 'INPUT', '-p', 'udp', '-s', camera, '--sport', '3956', '-j', 'ACCEPT'],
      ['-A', 'INPUT', '-p', 'udp', '-s', camera, '-j', 'DROP'],
    ]) {
      const r = await host.run('iptables', rule);
      assert.equal(r.code, 0, r.stderr);
    }
    const blocked = await connect([]);
    const found = problems(blocked.events, 'firewall');
    assert.equal(found.length, 1, JSON.stringify(blocked.events.filter((e) => e.type === 'warning')));
    assert.equal(found[0].fix, `sudo iptables -I INPUT -p udp -s ${camera} -j ACCEPT`);
    assert.equal(blocked.summary.complete, 0, 'and indeed no frame arrives');

    const fix = await host.run('sh', ['-c', (found[0].fix as string).replace(/^sudo /, '')]);
    assert.equal(fix.code, 0, fix.stderr);
    const open = await connect([]);
    assert.deepEqual(problems(open.events, 'firewall'), []);
    assert.equal(open.summary.complete, 3);
  });

  it("a packet size above the host interface's MTU: named with the ip link command, which fixes it", async () => {
    const small = await connect(['--packet-size', '9000']);
    const found = problems(small.events, 'mtu');
    assert.equal(found.length, 1, JSON.stringify(small.events.filter((e) => e.type === 'warning')));
    assert.equal(found[0].fix, `sudo ip link set dev ${hostIf} mtu 9000`);
    assert.equal(small.summary.complete, 0, '9000-byte packets do not fit a 1500 link');

    const fix = await host.run('sh', ['-c', (found[0].fix as string).replace(/^sudo /, '')]);
    assert.equal(fix.code, 0, fix.stderr);
    const jumbo = await connect(['--packet-size', '9000']);
    assert.deepEqual(problems(jumbo.events, 'mtu'), []);
    assert.equal(jumbo.summary.complete, 3);
  });

  it('as an unprivileged user, a receive-buffer limit smaller than one frame is named with its sysctl (not applied: it is global)', async () => {
    const rmemMax = Number(fs.readFileSync('/proc/sys/net/core/rmem_max', 'utf8'));
    const payload = 4504 * 4504;
    const r = await connect(['--settings', JSON.stringify({ Width: 4504, Height: 4504, PixelFormat: 'Mono8' }), '--frames', '1'], '65534');
    const found = problems(r.events, 'rmem');
    if (rmemMax >= payload) {
      assert.deepEqual(found, [], `rmem_max ${rmemMax} holds a frame of ${payload}`);
    } else {
      assert.equal(found.length, 1, JSON.stringify(r.events.filter((e) => e.type === 'warning')));
      assert.equal(found[0].fix, `sudo sysctl -w net.core.rmem_max=${Math.ceil((2 * payload) / 2 ** 20) * 2 ** 20}`);
      assert.match(found[0].message ?? '', new RegExp(`at most ${rmemMax} bytes .* one frame is ${payload} bytes`));
    }
  });
});
