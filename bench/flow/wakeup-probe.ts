/**
 * The platform's floor under the trigger bench's tail: how late an idle Node process runs its
 * callback for a datagram that arrives after ~20 ms of nothing — the shape of every trigger cycle,
 * where Node-RED sleeps while the camera exposes and reads out, and a frame wakes it.
 *
 * Two processes over the bench's link: `send` (in the camera's namespace) stamps each datagram with
 * CLOCK_MONOTONIC (`process.hrtime`, one clock for every process on the host) just before handing it
 * to the kernel; `listen` (in the receivers') takes the same clock in its 'message' callback. The
 * difference is the kernel's delivery over the link plus the wake-up of a sleeping process — no
 * GigE Vision, no Node-RED. On this VM an idle vCPU takes milliseconds to come back (bench/README.md,
 * seventh session), and this figure says how many, in the same run as the trigger figures.
 *
 * Bounded: at most 1000 datagrams, ~22 ms apart; the listener gives up after `timeoutMs`.
 */
import { spawn } from 'node:child_process';
import * as dgram from 'node:dgram';

import type { BenchEnvironment } from '../stream/harness';

export type ProbeInput =
  { role: 'listen'; address: string; count: number; timeoutMs: number } | { role: 'send'; address: string; port: number; count: number };

export interface ProbeOutcome {
  /** Callback time − send stamp, ms, one per datagram received. */
  latenessMs: number[];
  sent: number;
}

const MAX_DATAGRAMS = 1000;

function listen(input: Extract<ProbeInput, { role: 'listen' }>): Promise<ProbeOutcome> {
  const socket = dgram.createSocket('udp4');
  const latenessMs: number[] = [];
  let sent = 0;
  return new Promise((resolve, reject) => {
    const finish = () => {
      clearTimeout(timer);
      socket.close();
      resolve({ latenessMs, sent });
    };
    const timer = setTimeout(finish, input.timeoutMs);
    socket.on('error', (err) => {
      clearTimeout(timer);
      socket.close();
      reject(err);
    });
    socket.on('message', (message) => {
      const now = process.hrtime.bigint();
      if (message.length !== 12) return;
      const stamp = message.readBigUInt64BE(0);
      sent = Math.max(sent, message.readUInt32BE(8) + 1);
      latenessMs.push(Number(now - stamp) / 1e6);
      if (latenessMs.length >= input.count) finish();
    });
    socket.bind(0, input.address, () => {
      // The parent reads the port from this first line, then starts the sender.
      process.stdout.write(`${JSON.stringify({ port: socket.address().port })}\n`);
    });
  });
}

async function send(input: Extract<ProbeInput, { role: 'send' }>): Promise<ProbeOutcome> {
  const socket = dgram.createSocket('udp4');
  const count = Math.min(input.count, MAX_DATAGRAMS);
  try {
    for (let i = 0; i < count; i++) {
      // A trigger cycle's idle time (~19.5 ms), varied so that nothing locks onto a timer's phase.
      await new Promise((r) => setTimeout(r, 19 + (i % 4)));
      const message = Buffer.alloc(12);
      message.writeUInt32BE(i, 8);
      message.writeBigUInt64BE(process.hrtime.bigint(), 0);
      await new Promise<void>((resolve, reject) =>
        socket.send(message, input.port, input.address, (err) => (err ? reject(err) : resolve())),
      );
    }
  } finally {
    socket.close();
  }
  return { latenessMs: [], sent: count };
}

/** Runs the listener in the receivers' namespace and the sender in the camera's; `count` datagrams. */
export async function measurePlatformWakeup(env: BenchEnvironment, count: number): Promise<ProbeOutcome> {
  const n = Math.min(count, MAX_DATAGRAMS);
  const { receiverAddress } = env.addresses();
  const timeoutMs = n * 30 + 10000;
  const start = (wrap: (command: string[]) => string[], input: ProbeInput, onLine: (line: string) => void) => {
    const [cmd, ...args] = wrap([process.execPath, '-r', 'tsx/cjs', __filename, JSON.stringify(input)]);
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let pending = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      pending += d.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.startsWith('{')) onLine(line);
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs + 10000);
    return new Promise<void>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(killer);
        if (code === 0) resolve();
        else reject(new Error(`wake-up probe (${input.role}) failed (${code}): ${err.slice(-400)}`));
      });
    });
  };
  // Set from the listener's lines (callbacks), read once it has closed.
  const got: { result?: ProbeOutcome; sender?: Promise<void> } = {};
  const listener = start(env.inHost.bind(env), { role: 'listen', address: receiverAddress, count: n, timeoutMs }, (line) => {
    const parsed = JSON.parse(line) as { port?: number } & Partial<ProbeOutcome>;
    if (parsed.port !== undefined && !got.sender) {
      const sender = start(env.inCamera.bind(env), { role: 'send', address: receiverAddress, port: parsed.port, count: n }, () => {});
      // Observed here; awaited below once the listener is done.
      sender.catch(() => {});
      got.sender = sender;
    } else if (parsed.latenessMs) got.result = parsed as ProbeOutcome;
  });
  await listener;
  if (got.sender) await got.sender;
  if (!got.result) throw new Error('wake-up probe: the listener printed no result');
  return got.result;
}

if (require.main === module) {
  const input = JSON.parse(process.argv[2]) as ProbeInput;
  (input.role === 'listen' ? listen(input) : send(input))
    .then((result) => process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0)))
    .catch((err) => {
      process.stderr.write(`wake-up probe: ${err?.stack ?? err}\n`);
      process.exit(1);
    });
}
