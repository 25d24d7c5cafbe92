/**
 * One benchmark trial with Aravis' receiver against the bench device: `arv-camera-test-0.8 -a`
 * (automatic socket buffer) either with `--no-packet-socket` (plain UDP sockets) or as Aravis runs
 * as root by default (a packet socket with a ring the kernel copies into). Its per-second lines
 * ("N frames/s - X MiB/s - E errors") are timestamped as they arrive and system-wide CPU is sampled
 * at the same moments, so its window is measured exactly like ours. Runs only inside the bench's
 * network namespace (Aravis discovery broadcasts on every interface).
 */
import { spawn } from 'node:child_process';

import { cpuBetween, sampleCpu, type CpuSample } from './cpu';
import type { TrialResult } from './ours-process';

export interface AravisTrialInput {
  device: string;
  packetSize: number;
  frameRate: number;
  durationS: number;
  warmupS: number;
  devicePid: number;
  /** Aravis' default as root; false: `--no-packet-socket`. */
  packetSocket: boolean;
  /** Kernel threads whose CPU counts in the attributed figure (softirq and NAPI threads). */
  kernelPids: number[];
}

interface SecondLine {
  frames: number;
  mib: number;
  errors: number;
  cpu: CpuSample;
}

const LINE = /^\s*(\d+)\s+frames\/s\s+-\s+([\d.]+(?:e[+-]?\d+)?)\s+MiB\/s(?:\s+-\s+(\d+)\s+errors?)?/;
const FRAME_BYTES = 4504 * 4504;

export function aravisTrial(input: AravisTrialInput): Promise<TrialResult> {
  const args = [
    '-n',
    input.device,
    ...(input.packetSocket ? [] : ['--no-packet-socket']),
    '-a',
    '-i',
    String(input.packetSize),
    '-f',
    String(input.frameRate),
    '-w',
    '4504',
    '-h',
    '4504',
    `--duration=${input.durationS}`,
  ];
  return new Promise((resolve, reject) => {
    // Line-buffered: its per-second lines must arrive when printed, to time the window and sample CPU.
    const child = spawn('stdbuf', ['-oL', 'arv-camera-test-0.8', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: SecondLine[] = [];
    let out = '';
    let pending = '';
    const watched = (): number[] => [input.devicePid, child.pid ?? 0, ...input.kernelPids];
    const start = sampleCpu(watched());
    const killer = setTimeout(() => child.kill('SIGKILL'), (input.durationS + 20) * 1000);
    child.stdout.on('data', (chunk: Buffer) => {
      const cpu = sampleCpu(watched());
      out += chunk.toString();
      pending += chunk.toString();
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const line of parts) {
        const m = LINE.exec(line);
        if (m) lines.push({ frames: Number(m[1]), mib: Number(m[2]), errors: Number(m[3] ?? 0), cpu });
      }
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    // 'close', not 'exit': the last lines and the totals may still be in the pipe when it exits.
    child.on('close', () => {
      clearTimeout(killer);
      const skip = Math.max(1, Math.round(input.warmupS));
      if (lines.length < skip + 2) {
        const finals = Object.fromEntries([...out.matchAll(/^(n_\w+)\s+=\s+(\d+)/gm)].map((m) => [m[1], Number(m[2])]));
        if (finals.n_failures === undefined) {
          reject(new Error(`arv-camera-test printed ${lines.length} rate lines: ${out.slice(-600)} ${err.slice(-400)}`));
          return;
        }
        // It ran and printed its totals, but frames failed so often that no rate line came: at this
        // rate Aravis lost (nearly) everything — a result of the search, not a broken bench.
        const end = sampleCpu(watched());
        const framesExpected = Math.round(input.durationS * input.frameRate);
        resolve({
          receiver: input.packetSocket ? 'aravis-packet' : 'aravis-udp',
          packetSize: input.packetSize,
          frameRate: input.frameRate,
          windowS: input.durationS,
          framesExpected,
          framesComplete: 0,
          framesLost: Math.max(1, framesExpected),
          bytes: 0,
          cpuSeconds: cpuBetween(start, end).systemSeconds,
          attributedCpuSeconds: cpuBetween(start, end).attributedSeconds,
          cpu: cpuBetween(start, end),
          detail: { ...finals, rateLines: lines.length },
        });
        return;
      }
      const window = lines.slice(skip);
      const from = lines[skip - 1].cpu;
      const to = window[window.length - 1].cpu;
      const windowS = (to.at - from.at) / 1000;
      const complete = window.reduce((n, l) => n + l.frames - l.errors, 0);
      const errors = window.reduce((n, l) => n + l.errors, 0);
      const finals = Object.fromEntries([...out.matchAll(/^(n_\w+)\s+=\s+(\d+)/gm)].map((m) => [m[1], Number(m[2])]));
      const framesExpected = Math.round(windowS * input.frameRate);
      const missing = (finals.n_missing_frames ?? 0) + (finals.n_underruns ?? 0);
      resolve({
        receiver: input.packetSocket ? 'aravis-packet' : 'aravis-udp',
        packetSize: input.packetSize,
        frameRate: input.frameRate,
        windowS,
        framesExpected,
        framesComplete: complete,
        // Per-second errors are failed frames; frames that never showed up at all are counted at the end.
        framesLost: errors + missing,
        bytes: complete * FRAME_BYTES,
        cpuSeconds: cpuBetween(from, to).systemSeconds,
        attributedCpuSeconds: cpuBetween(from, to).attributedSeconds,
        cpu: cpuBetween(from, to),
        detail: {
          ...finals,
          firstSecond: lines[0],
          wholeRunCpuSeconds: cpuBetween(start, to).systemSeconds,
          mibPerSecond: window.map((l) => l.mib),
        },
      });
    });
  });
}
