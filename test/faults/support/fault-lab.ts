/**
 * A small plant network for fault experiments (root only), made and removed by the test: two
 * network namespaces joined by a veth pair — the camera's (an emulated DMK 38GX541-a in its own
 * process) and the host's (a CameraConnection streaming from it, client.ts) — so that a camera can
 * be killed, a link taken down on either side, and the host's event loop blocked, with nothing
 * leaving the namespaces.
 *
 *   const lab = await FaultLab.start();
 *   await lab.waitForFrames(5);
 *   const down = lab.linkDown('camera'); … lab.linkUp('camera');
 *   const lost = await lab.nextState('disconnected', down);
 *   await lab.close();
 *
 * Times are this machine's clock (Date.now() in every process), so host events and injected faults
 * compare directly.
 */
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Namespace, NamespaceProcess, vethPair, canUseNamespaces } from '../../interop/support/netns';

/** Root, network namespaces and iptables (for packet loss without a link change). */
export function canRunFaults(): boolean {
  return canUseNamespaces() && spawnSync('sh', ['-c', 'command -v iptables'], { stdio: 'ignore' }).status === 0;
}

export type Side = 'camera' | 'host';

export interface ClientEvent {
  t: number;
  type: 'started' | 'state' | 'frame' | 'error' | 'stall-start' | 'stall-end';
  state?: string;
  detail?: string;
  id?: number;
  message?: string;
}

export interface FaultLabOptions {
  /** The camera's heartbeat timeout (ms; the DMK 38GX541-a's default is 3000). */
  heartbeatTimeoutMs?: number;
  /** Camera frame rate (fps). */
  frameRate?: number;
  /** How long SIGUSR2 blocks the client's event loop. */
  stallMs?: number;
  /** The code under test (its test/ scripts): this checkout by default; another one to measure it. */
  root?: string;
}

let labs = 0;

export class FaultLab {
  private camera: NamespaceProcess | null = null;
  private cameraOutputs: string[] = [];

  private constructor(
    private readonly hostNs: Namespace,
    private readonly cameraNs: Namespace,
    private interfaces: Record<Side, string>,
    private readonly subnet: string,
    readonly cameraAddress: string,
    private readonly client: NamespaceProcess,
    private readonly options: Required<FaultLabOptions>,
  ) {}

  static async start(options: FaultLabOptions = {}): Promise<FaultLab> {
    const resolved: Required<FaultLabOptions> = {
      heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? 3000,
      frameRate: options.frameRate ?? 20,
      stallMs: options.stallMs ?? 2500,
      root: options.root ?? path.resolve(__dirname, '..', '..', '..'),
    };
    labs += 1;
    const subnet = `10.213.${(process.pid + labs) % 250}`;
    const hostNs = Namespace.create('fhost');
    let cameraNs: Namespace | null = null;
    try {
      cameraNs = Namespace.create('fcam');
      const { aName, bName } = vethPair(hostNs, [`${subnet}.1/24`], cameraNs, [`${subnet}.2/24`]);
      const cameraAddress = `${subnet}.2`;
      const lab = new FaultLab(
        hostNs,
        cameraNs,
        { host: aName, camera: bName },
        subnet,
        cameraAddress,
        null as unknown as NamespaceProcess,
        resolved,
      );
      await lab.startCamera();
      const client = hostNs.spawnNode(path.join(resolved.root, 'test', 'faults', 'support', 'client.ts'), [
        '--address',
        cameraAddress,
        '--stall-ms',
        String(resolved.stallMs),
        '--max-seconds',
        '600',
      ]);
      (lab as unknown as { client: NamespaceProcess }).client = client;
      await client.waitFor('"type":"started"', 20000);
      return lab;
    } catch (err) {
      await cameraNs?.delete();
      await hostNs.delete();
      throw err;
    }
  }

  /** Starts the camera process; resolves with the time it answers. */
  async startCamera(): Promise<number> {
    if (this.camera) throw new Error('the camera is running');
    const settings = JSON.stringify({ Width: 1024, Height: 256, AcquisitionFrameRate: this.options.frameRate });
    const camera = this.cameraNs.spawnNode(path.join(this.options.root, 'test', 'support', 'emulator-process.ts'), [
      '--address',
      this.cameraAddress,
      '--in-namespace',
      '--heartbeat-timeout',
      String(this.options.heartbeatTimeoutMs),
      '--settings',
      settings,
      '--max-seconds',
      '600',
    ]);
    this.camera = camera;
    await camera.waitFor('READY', 20000);
    return Date.now();
  }

  /** SIGKILL: the camera is gone at once, as when it loses power. Resolves with the time. */
  async killCamera(): Promise<number> {
    const camera = this.camera;
    if (!camera) throw new Error('no camera running');
    this.camera = null;
    const at = Date.now();
    camera.child.kill('SIGKILL');
    await camera.stop();
    this.cameraOutputs.push(camera.stdout);
    return at;
  }

  /**
   * Every packet between camera and host lost (a switch hiccup, a cable glitch) while the links
   * stay up: iptables DROP on the camera's veth, both ways, in the camera's namespace. Nothing
   * fails to send on the host — the packets just vanish.
   */
  dropAll(on: boolean): number {
    const action = on ? '-I' : '-D';
    const dev = this.interfaces.camera;
    for (const rule of [
      ['INPUT', '-i'],
      ['OUTPUT', '-o'],
    ]) {
      const r = spawnSync('ip', ['netns', 'exec', this.cameraNs.name, 'iptables', action, rule[0], rule[1], dev, '-j', 'DROP'], {
        encoding: 'utf8',
      });
      if (r.status !== 0) throw new Error(`iptables ${action} ${rule[0]} in ${this.cameraNs.name}: ${r.stderr || r.error?.message}`);
    }
    return Date.now();
  }

  linkDown(side: Side): number {
    const at = Date.now();
    this.namespaceOf(side).ip(['link', 'set', this.interfaces[side], 'down']);
    return at;
  }

  linkUp(side: Side): number {
    this.namespaceOf(side).ip(['link', 'set', this.interfaces[side], 'up']);
    return Date.now();
  }

  /**
   * The interfaces themselves gone (the veth pair deleted: the host's address leaves the host, as
   * when a USB adapter is unplugged), until `recreateLink` makes a new pair with the same addresses.
   */
  removeLink(): number {
    const at = Date.now();
    this.hostNs.ip(['link', 'del', this.interfaces.host]);
    return at;
  }

  recreateLink(): number {
    const { aName, bName } = vethPair(this.hostNs, [`${this.subnet}.1/24`], this.cameraNs, [`${this.subnet}.2/24`]);
    this.interfaces = { host: aName, camera: bName };
    return Date.now();
  }

  /** Blocks the host's event loop for `stallMs`; resolves with the time the signal went. */
  stall(): number {
    const at = Date.now();
    this.client.child.kill('SIGUSR2');
    return at;
  }

  /** What the camera processes printed (RELEASED <reason> when control ended on the camera). */
  cameraOutput(): string {
    return [...this.cameraOutputs, this.camera?.stdout ?? ''].join('');
  }

  events(): ClientEvent[] {
    const out: ClientEvent[] = [];
    for (const line of this.client.stdout.split('\n')) {
      if (line.startsWith('EV ')) out.push(JSON.parse(line.slice(3)) as ClientEvent);
    }
    return out;
  }

  frames(from = 0, to = Infinity): ClientEvent[] {
    return this.events().filter((e) => e.type === 'frame' && e.t >= from && e.t <= to);
  }

  states(from = 0): ClientEvent[] {
    return this.events().filter((e) => e.type === 'state' && e.t >= from);
  }

  /** The first event at or after `from` that matches, waiting up to `timeoutMs`. */
  async next(match: (e: ClientEvent) => boolean, from: number, timeoutMs: number, what: string): Promise<ClientEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events().find((e) => e.t >= from && match(e));
      if (found) return found;
      if (Date.now() > deadline) {
        const recent = this.events()
          .filter((e) => e.t >= from && e.type !== 'frame')
          .slice(-8);
        throw new Error(
          `no ${what} within ${timeoutMs} ms; host events since: ${JSON.stringify(recent)}; stderr: ${this.client.stderr.slice(-500)}`,
        );
      }
      if (this.client.child.exitCode !== null)
        throw new Error(`the host process exited (${this.client.child.exitCode}): ${this.client.stderr.slice(-800)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  nextState(state: string, from: number, timeoutMs = 15000): Promise<ClientEvent> {
    return this.next((e) => e.type === 'state' && e.state === state, from, timeoutMs, `'${state}' state`);
  }

  nextFrame(from: number, timeoutMs = 15000): Promise<ClientEvent> {
    return this.next((e) => e.type === 'frame', from, timeoutMs, 'frame');
  }

  /** Resolves once `count` frames arrived after `from`. */
  async waitForFrames(count: number, from = 0, timeoutMs = 20000): Promise<void> {
    await this.next(() => this.frames(from).length >= count, from, timeoutMs, `${count} frames`);
  }

  lastFrameBefore(t: number): ClientEvent | undefined {
    return this.frames(0, t).at(-1);
  }

  async close(): Promise<void> {
    await this.client?.stop(5000).catch(() => undefined);
    if (this.camera) await this.camera.stop().catch(() => undefined);
    await this.cameraNs.delete();
    await this.hostNs.delete();
  }

  private namespaceOf(side: Side): Namespace {
    return side === 'camera' ? this.cameraNs : this.hostNs;
  }
}
