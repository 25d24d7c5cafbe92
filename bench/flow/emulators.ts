/**
 * Emulated DMK 38GX541-a cameras for bench:flow: one `gige emulate` process (the built CLI) per
 * camera — separate processes, as cameras are separate devices — in the camera's namespace
 * (with --allow-network: that namespace is the bench's own, joined to the receivers by the veth
 * only) or, without a topology, on 127.x here. Paced to the camera's 1 Gbit/s link.
 *
 * On the veth the emulators hand the kernel UDP-GSO batches (`--segmentation-offload`), which the
 * camera end of the veth (tx-udp-segmentation off) cuts into wire-sized datagrams before the link,
 * as bench:stream's camera does: the receivers see exactly what packet-by-packet sending gives,
 * and four emulators on two cores can offer their full rate (sending packet by packet, they took a
 * core between them and fell to 4.45 of 5.86 fps). On loopback there is no such cut, so they send
 * wire-sized packets.
 *
 * `realtime`: the emulators run under SCHED_FIFO (`chrt -f`). A camera is hardware of its own: it
 * starts an exposure the moment a trigger arrives and sends at its readout's end, whatever the
 * host's load. On two shared cores an emulator at normal priority waits for Node-RED's turn, and
 * the bench would count that wait as the stack's. Needs root (as the veth topology does).
 */
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { signalGroup, spawnOwned } from '../owned-children';
import type { BenchEnvironment } from '../stream/harness';

/** The built CLI: the emulators run as users run `gige emulate`. */
export const CLI = path.join(__dirname, '..', '..', 'dist', 'bin', 'gige.js');

export interface EmulatorProcess {
  address: string;
  pid: number;
  output(): string;
  stop(): Promise<void>;
}

export interface EmulatorOptions {
  realtime: boolean;
}

/** SCHED_FIFO priority of realtime emulators: above every normal task, below the kernel's own threads. */
const REALTIME_PRIORITY = 10;

function startOne(env: BenchEnvironment, address: string, options: EmulatorOptions): Promise<EmulatorProcess> {
  const offLoopback = !address.startsWith('127.');
  const command = env.inCamera([
    ...(options.realtime ? ['chrt', '-f', String(REALTIME_PRIORITY)] : []),
    process.execPath,
    CLI,
    'emulate',
    '--address',
    address,
    '--no-io',
    ...(offLoopback ? ['--allow-network', '--segmentation-offload'] : []),
  ]);
  return launchEmulator(command, address);
}

/**
 * Starts `command` (a `gige emulate` command line, maybe behind `ip netns exec` and `chrt`) as an
 * owned child and resolves once it listens; `stop()` ends it with SIGINT, so that it prints its
 * stream summary.
 */
export function launchEmulator(command: string[], address: string): Promise<EmulatorProcess> {
  const child: ChildProcess = spawnOwned(command, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  // Could not start (no `chrt`, no `ip`), or a signal could not be sent: said in its output.
  child.on('error', (err: Error) => (out += `\n${err.message}`));
  const handle: EmulatorProcess = {
    address,
    pid: child.pid ?? 0,
    output: () => out,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      const t = setTimeout(() => signalGroup(child, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signalGroup(child, 'SIGKILL');
      reject(new Error(`gige emulate ${address} did not start within 20 s: ${out}`));
    }, 20000);
    const onError = (err: Error): void => {
      clearTimeout(timer);
      reject(new Error(`gige emulate ${address} could not start: ${err.message}`));
    };
    const onData = (): void => {
      if (!out.includes('Ctrl-C to stop')) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
      resolve(handle);
    };
    const onExit = (code: number | null): void => {
      clearTimeout(timer);
      reject(new Error(`gige emulate ${address} exited (${code}): ${out}`));
    };
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

/** `count` emulated cameras at the environment's camera addresses; all stopped again on failure. */
export async function startEmulators(env: BenchEnvironment, count: number, options: EmulatorOptions): Promise<EmulatorProcess[]> {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: build first (node scripts/build.js)`);
  const started: EmulatorProcess[] = [];
  try {
    for (const address of env.cameraAddresses(count)) started.push(await startOne(env, address, options));
  } catch (err) {
    await stopEmulators(started);
    throw err;
  }
  return started;
}

export async function stopEmulators(emulators: EmulatorProcess[]): Promise<void> {
  await Promise.all(emulators.map((e) => e.stop()));
}

/** The line `gige emulate` printed as it stopped: blocks streamed, resends, how late frames left. */
export function streamSummary(emulator: EmulatorProcess): string {
  return (
    emulator
      .output()
      .split('\n')
      .find((line) => / streamed \d+ blocks/.test(line)) ?? `${emulator.address}: no stream summary`
  );
}
