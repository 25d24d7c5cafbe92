/**
 * Control kept alive independently of the event loop. A GigE Vision device drops its controller
 * when no command arrives within its heartbeat timeout (3 s on the DMK 38GX541-a); the heartbeat
 * runs on JavaScript timers, so one long synchronous task in any flow of the Node-RED process
 * would cost the camera. A native thread (native/src/keepalive.cc) therefore sends the heartbeat
 * READREG on the control channel's own socket — same source IP:port, so the device sees its
 * controller — whenever JavaScript has sent nothing for `graceMs`. It only keeps alive: its acks
 * carry request ids the channel reserved and ignores, so loss is still declared by JavaScript,
 * from the acks it receives itself.
 *
 * Without the native addon (or a socket descriptor) there is no keep-alive: `start` returns null
 * and the JavaScript heartbeat alone keeps control, as before.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, Flag } from './protocol';
import { encodeCommand, encodeReadRegCommand } from './codec';
import type { ControlChannel } from './control-channel';

interface NativeKeepAlive {
  feed(): void;
  refill(requestIds: number[]): void;
  stats(): { sent: number; sendErrors: number };
  stop(): void;
}

type NativeKeepAliveConstructor = new (options: {
  fd: number;
  address: string;
  port: number;
  graceMs: number;
  intervalMs: number;
  packet: Buffer;
  requestIds: number[];
}) => NativeKeepAlive;

/**
 * Request ids handed to the thread at a time, renewed with every JavaScript heartbeat: one per
 * send, so a stall of 64 intervals (32 s at the usual 500 ms) repeats none. A device answers a
 * repeated id from its cache, as a retransmission, without counting it as a heartbeat.
 */
const IDS_PER_REFILL = 64;

let constructorCache: NativeKeepAliveConstructor | null | undefined;

function nativeConstructor(): NativeKeepAliveConstructor | null {
  if (constructorCache !== undefined) return constructorCache;
  constructorCache = null;
  try {
    // GIGE_NATIVE_ADDON: another build of the same addon (the sanitizer run of test:native-asan).
    const file = process.env.GIGE_NATIVE_ADDON || path.join(packageRoot(__dirname), 'build', 'Release', 'gige_native.node');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const addon = require(file) as { ControlKeepAlive?: NativeKeepAliveConstructor };
    constructorCache = addon.ControlKeepAlive ?? null;
  } catch {
    constructorCache = null;
  }
  return constructorCache;
}

function packageRoot(start: string): string {
  let dir = start;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) return start;
    dir = parent;
  }
  return dir;
}

export interface KeepAliveOptions {
  /** The register the heartbeat reads (CCP). */
  registerAddress: number;
  /** The JavaScript heartbeat's period: the thread steps in after 1.5 periods without a command, then sends one per period. */
  intervalMs: number;
}

export class ControlKeepAlive {
  private stopped = false;
  private forgetHooks: Array<() => void> = [];

  private constructor(
    private readonly native: NativeKeepAlive,
    private readonly channel: ControlChannel,
  ) {}

  /** Starts the thread on `channel`'s socket, or returns null where that is not possible. */
  static start(channel: ControlChannel, options: KeepAliveOptions): ControlKeepAlive | null {
    const Native = nativeConstructor();
    const fd = channel.fileDescriptor();
    if (!Native || fd === null || channel.isClosed) return null;
    const packet = encodeCommand({
      command: Command.READREG,
      flags: Flag.ACK_REQUIRED,
      requestId: 1,
      payload: encodeReadRegCommand([options.registerAddress]),
    });
    const native = new Native({
      fd,
      address: channel.address,
      port: channel.port,
      graceMs: Math.round(options.intervalMs * 1.5),
      intervalMs: Math.round(options.intervalMs),
      packet,
      requestIds: channel.reserveRequestIds(IDS_PER_REFILL),
    });
    const keepAlive = new ControlKeepAlive(native, channel);
    // Every command JavaScript sends keeps control alive itself: the thread stays quiet meanwhile.
    // The thread writes on the socket: it must stop before the socket closes.
    keepAlive.forgetHooks = [channel.observeSends(() => native.feed()), channel.beforeClose(() => keepAlive.stop())];
    return keepAlive;
  }

  /** After a JavaScript heartbeat: fresh request ids for the next sends. */
  refill(): void {
    if (this.stopped) return;
    this.native.refill(this.channel.reserveRequestIds(IDS_PER_REFILL));
  }

  /** Commands the thread sent because JavaScript was silent. */
  stats(): { sent: number; sendErrors: number } {
    return this.native.stats();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const forget of this.forgetHooks) forget();
    this.native.stop();
  }
}
