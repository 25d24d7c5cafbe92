/**
 * Network namespaces for interop tests (root only). Every namespace and veth made here has a
 * unique name, is created by the test and deleted by it, so discovery and Aravis tools can
 * broadcast freely inside without touching the host's real interfaces.
 *
 *   const ns = await Namespace.create('arv');          // just `lo`, up
 *   const cam = ns.spawn('arv-fake-gv-camera-0.8', ['-i', '127.0.0.1']);
 *   const out = await ns.run('arv-tool-0.8', ['-a', '127.0.0.1', 'control', 'Width']);
 *   await cam.stop(); await ns.delete();
 */
import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import path from 'node:path';

let counter = 0;
const live = new Set<Namespace>();

export function canUseNamespaces(): boolean {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return false;
  return spawnSync('ip', ['netns', 'list'], { stdio: 'ignore' }).status === 0;
}

export function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Skips a suite or test whose peer is missing, saying what is missing and how to get it: a silent
 * skip would read as a pass. (`npm run test:interop` fails outright when a peer is missing; this is
 * for a developer running one file.) `namespaces`: needs root and `ip netns`.
 */
export function skipWithout(ctx: Mocha.Context, needs: { namespaces?: boolean; root?: boolean; commands?: string[] }): void {
  const missing: string[] = [];
  if (needs.namespaces && !canUseNamespaces()) missing.push('root and `ip netns` (network namespaces)');
  if (needs.root && !needs.namespaces && !(typeof process.getuid === 'function' && process.getuid() === 0)) missing.push('root');
  for (const command of needs.commands ?? []) if (!hasCommand(command)) missing.push(command);
  if (missing.length === 0) return;
  skipSaying(
    ctx,
    `needs ${missing.join(', ')} (apt-get install aravis-tools aravis-tools-cli tshark libxml2-utils libglib2.0-bin; run as root)`,
  );
}

/** Skips, printing why beside the test's name. */
export function skipSaying(ctx: Mocha.Context, why: string): never {
  console.log(`      skipped "${ctx.currentTest?.title ?? ctx.test?.parent?.title ?? ctx.test?.title ?? ''}": ${why}`);
  ctx.skip();
}

function ip(args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')} failed: ${r.stderr.trim()}`);
}

/** A short unique tag for interface names (Linux allows 15 characters). */
export function uniqueTag(): string {
  counter += 1;
  return `${(process.pid % 10000).toString(36)}${counter.toString(36)}`;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export class NamespaceProcess {
  private exited: Promise<number | null>;
  stdout = '';
  stderr = '';

  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (d: Buffer) => {
      this.stdout += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      this.stderr += d.toString();
    });
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** Wait until stdout contains `text` (bounded). */
  async waitFor(text: string | RegExp, ms = 10000): Promise<void> {
    const end = Date.now() + ms;
    const has = (): boolean => (typeof text === 'string' ? this.stdout.includes(text) : text.test(this.stdout));
    while (!has()) {
      if (Date.now() > end)
        throw new Error(`timed out waiting for ${String(text)}; stdout: ${this.stdout.slice(-500)} stderr: ${this.stderr.slice(-500)}`);
      if (this.child.exitCode !== null)
        throw new Error(`process exited (${this.child.exitCode}) before ${String(text)}; stderr: ${this.stderr.slice(-800)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
  async stop(graceMs = 2000): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const t = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      const code = await this.exited;
      clearTimeout(t);
      return code;
    }
    return this.exited;
  }
}

export class Namespace {
  private readonly processes = new Set<NamespaceProcess>();
  private deleted = false;

  private constructor(readonly name: string) {}

  /** A new namespace with only `lo`, up. */
  static create(purpose: string): Namespace {
    const name = `gige-${purpose}-${uniqueTag()}`;
    ip(['netns', 'add', name]);
    const ns = new Namespace(name);
    live.add(ns);
    ip(['-n', name, 'link', 'set', 'lo', 'up']);
    return ns;
  }

  ip(args: string[]): void {
    ip(['-n', this.name, ...args]);
  }

  /** Start a long-running command inside the namespace (its pid is the command's: `ip netns exec` execs it). */
  spawn(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): NamespaceProcess {
    const p = new NamespaceProcess(spawn('ip', ['netns', 'exec', this.name, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env }));
    this.processes.add(p);
    return p;
  }

  /** Run a command to completion inside the namespace, bounded by `timeoutMs`. */
  run(cmd: string, args: string[], timeoutMs = 20000): Promise<RunResult> {
    return new Promise((resolve) => {
      const child = spawn('ip', ['netns', 'exec', this.name, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.once('exit', (code) => {
        clearTimeout(t);
        resolve({ code, stdout, stderr });
      });
    });
  }

  /** Node with tsx (our TypeScript scripts) inside the namespace. */
  spawnNode(script: string, args: string[]): NamespaceProcess {
    return this.spawn(process.execPath, ['-r', require.resolve('tsx/cjs'), path.resolve(script), ...args]);
  }

  runNode(script: string, args: string[], timeoutMs = 20000): Promise<RunResult> {
    return this.run(process.execPath, ['-r', require.resolve('tsx/cjs'), path.resolve(script), ...args], timeoutMs);
  }

  async delete(): Promise<void> {
    if (this.deleted) return;
    this.deleted = true;
    for (const p of this.processes) await p.stop();
    this.processes.clear();
    spawnSync('ip', ['netns', 'del', this.name]);
    live.delete(this);
  }
}

/** A veth pair between two namespaces, each end with the given addresses (CIDR), up. */
export function vethPair(a: Namespace, aAddresses: string[], b: Namespace, bAddresses: string[]): { aName: string; bName: string } {
  const tag = uniqueTag();
  const aName = `gva${tag}`.slice(0, 15);
  const bName = `gvb${tag}`.slice(0, 15);
  ip(['link', 'add', aName, 'netns', a.name, 'type', 'veth', 'peer', 'name', bName, 'netns', b.name]);
  for (const [ns, dev, addrs] of [
    [a, aName, aAddresses],
    [b, bName, bAddresses],
  ] as const) {
    for (const addr of addrs) ns.ip(['addr', 'add', addr, 'dev', dev]);
    ns.ip(['link', 'set', dev, 'up']);
  }
  return { aName, bName };
}

/** Delete every namespace this process created (for an `after` hook). */
export async function deleteAllNamespaces(): Promise<void> {
  for (const ns of [...live]) await ns.delete();
}
