/**
 * What bench:stream and bench:flow share: command-line options, the machine's abilities (root,
 * `ip netns`, Aravis), the topology (bench/stream/topology.ts) with net.core.rmem_max raised for
 * Aravis and everything restored at exit, and the runner (bench/stream/run.ts) started inside the
 * receivers' namespace, its trials echoed as they finish.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { exitOnSignals, killOwnedChildren, spawnOwned } from '../owned-children';
import type { RunOptions, Trial } from './run';
import { createTopology, haveCommand, type Topology, type TopologyName } from './topology';

export function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
export const flag = (name: string): boolean => process.argv.includes(`--${name}`);

export function fail(bench: string, message: string): never {
  process.stderr.write(`${bench}: ${message}\n`);
  process.exit(2);
}

export const fmt = (n: number | undefined, digits = 0): string => (n === undefined || !Number.isFinite(n) ? 'na' : n.toFixed(digits));

export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
export const canUseNamespaces = isRoot && spawnSync('ip', ['netns', 'list'], { stdio: 'ignore' }).status === 0;
export const haveAravis = haveCommand('arv-camera-test-0.8');

export interface RunnerOutput {
  trials: Trial[];
  best: Record<string, Trial | null>;
  notes: string[];
}

const RMEM_MAX = '/proc/sys/net/core/rmem_max';

/** The namespaces of one bench run (none without root: then everything runs on 127.x here). */
export class BenchEnvironment {
  readonly topology: Topology | null;
  private savedRmemMax: string | null = null;
  private cleaned = false;

  constructor(name: TopologyName, options: { senderGso: boolean; raiseRmemMax: boolean }) {
    this.topology = canUseNamespaces ? createTopology(name, String(process.pid), { senderGso: options.senderGso }) : null;
    process.on('exit', () => this.cleanUp());
    // A signal kills the bench's processes and exits, which runs cleanUp above.
    exitOnSignals();
    if (this.topology && options.raiseRmemMax) {
      // Aravis (not privileged to force its buffer) can then get the buffer it asks for; restored at exit.
      this.savedRmemMax = fs.readFileSync(RMEM_MAX, 'utf8').trim();
      fs.writeFileSync(RMEM_MAX, String(256 << 20));
    }
  }

  /** Where the runner puts the camera and the receivers (127.77.x on the root namespace's lo without root). */
  addresses(): Pick<RunOptions, 'device' | 'receiverAddress' | 'cameraNamespace' | 'hostInterface'> {
    const t = this.topology;
    return {
      device: t ? t.deviceAddress : '127.77.0.2',
      receiverAddress: t ? t.receiverAddress : '127.77.0.1',
      cameraNamespace: t && t.cameraNamespace !== t.hostNamespace ? t.cameraNamespace : undefined,
      hostInterface: t ? t.hostInterface : 'lo',
    };
  }

  /** `count` addresses for emulated cameras (127.77.0.2, .3, … without a topology). */
  cameraAddresses(count: number): string[] {
    return this.topology ? this.topology.cameraAddresses(count) : Array.from({ length: count }, (_, i) => `127.77.0.${2 + i}`);
  }

  /** A command run inside the camera's namespace (as is without one). */
  inCamera(command: string[]): string[] {
    return this.topology ? ['ip', 'netns', 'exec', this.topology.cameraNamespace, ...command] : command;
  }

  /** A command run inside the receivers' namespace (as is without one). */
  inHost(command: string[]): string[] {
    return this.topology ? ['ip', 'netns', 'exec', this.topology.hostNamespace, ...command] : command;
  }

  /** Runs bench/stream/run.ts with `options`, echoing each trial on stderr. */
  run(options: RunOptions): Promise<RunnerOutput> {
    const runner = path.join(__dirname, 'run.ts');
    const command = this.inHost([process.execPath, '-r', 'tsx/cjs', runner, JSON.stringify(options)]);
    return new Promise((resolve, reject) => {
      const child = spawnOwned(command, { cwd: path.join(__dirname, '..', '..'), stdio: ['ignore', 'pipe', 'inherit'] });
      const out: RunnerOutput = { trials: [], best: {}, notes: [] };
      let pending = '';
      child.stdout.on('data', (chunk: Buffer) => {
        pending += chunk.toString();
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          if (!line.trim()) continue;
          const msg = JSON.parse(line);
          if (msg.type === 'trial') {
            out.trials.push(msg);
            process.stderr.write(
              `  ${msg.receiver.padEnd(13)} packet ${msg.packetSize}  offered ${msg.offeredMBps.toFixed(0).padStart(5)} MB/s → ${msg.zeroLoss ? 'no loss' : `${msg.framesLost} lost`}\n`,
            );
          } else if (msg.type === 'note') {
            out.notes.push(`packet ${msg.packetSize}: ${msg.message}`);
          } else if (msg.type === 'summary') {
            out.best = msg.best;
          }
        }
      });
      child.on('error', reject);
      // 'close': the runner's last messages (its summary) may still be in its stdout at 'exit'.
      child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`bench runner exited with ${code}`))));
    });
  }

  cleanUp(): void {
    if (this.cleaned) return;
    this.cleaned = true;
    // The processes first: an emulator outlives its namespace's removal.
    killOwnedChildren();
    if (this.savedRmemMax !== null) fs.writeFileSync(RMEM_MAX, this.savedRmemMax);
    this.topology?.delete();
  }
}
