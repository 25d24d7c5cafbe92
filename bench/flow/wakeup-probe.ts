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
 * Bounded: at most 1000 datagrams, 19–22 ms apart; the listener gives up after `timeoutMs`.
 */
import * as dgram from 'node:dgram';

import type { BenchEnvironment } from '../stream/harness';
import { runChild } from './child';

export type ProbeInput =
  { role: 'listen'; address: string; count: number; timeoutMs: number } | { role: 'send'; address: string; port: number; count: number };

export interface ProbeOutcome {
  /** Callback time − send stamp, ms, one per datagram received (the listener's). */
  latenessMs: number[];
  /** Datagrams sent (the sender's). */
  sent: number;
}

const MAX_DATAGRAMS = 1000;

function listen(input: Extract<ProbeInput, { role: 'listen' }>): Promise<ProbeOutcome> {
  const socket = dgram.createSocket('udp4');
  const latenessMs: number[] = [];
  return new Promise((resolve, reject) => {
    const finish = () => {
      clearTimeout(timer);
      socket.close();
      resolve({ latenessMs, sent: 0 });
    };
    const timer = setTimeout(finish, input.timeoutMs);
    socket.on('error', (err) => {
      clearTimeout(timer);
      socket.close();
      reject(err);
    });
    socket.on('message', (message) => {
      const now = process.hrtime.bigint();
      if (message.length !== 8) return;
      latenessMs.push(Number(now - message.readBigUInt64BE(0)) / 1e6);
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
      const message = Buffer.alloc(8);
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
  let sender: Promise<ProbeOutcome> | undefined;
  const listenInput: ProbeInput = { role: 'listen', address: receiverAddress, count: n, timeoutMs };
  const heard = await runChild<ProbeOutcome>(env, __filename, listenInput, timeoutMs + 10000, {
    onJsonLine: (line) => {
      let port: number | undefined;
      try {
        port = (JSON.parse(line) as { port?: number }).port;
      } catch {
        return; // not the port line; runChild judges the result line
      }
      if (port === undefined || sender) return;
      const sendInput: ProbeInput = { role: 'send', address: receiverAddress, port, count: n };
      sender = runChild<ProbeOutcome>(env, __filename, sendInput, timeoutMs + 10000, { namespace: 'camera' });
      // Observed here; awaited below once the listener is done.
      sender.catch(() => {});
    },
  });
  if (!sender) throw new Error('wake-up probe: the listener never said which port it listens on');
  return { latenessMs: heard.latenessMs, sent: (await sender).sent };
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
