/**
 * The processes a bench starts (emulated cameras, Node-RED, runners), each in a process group of
 * its own, and all of them killed — with whatever they started in turn — however the bench ends:
 * a reader gone from its stdout (EPIPE), a signal, an uncaught error. Without this, a bench that
 * died while a camera streamed left the emulator running after it, holding a core.
 *
 * A group of its own, because a plain kill of the child would leave its children (a runner's
 * device, a receiver) behind; and the terminal's Ctrl-C no longer reaches such a group, so the
 * bench forwards SIGINT/SIGTERM/SIGHUP itself. Only the bench's top process uses this: a child
 * that started groups of its own would take its children out of its parent's kill.
 */
import {
  spawn,
  type ChildProcess,
  type ChildProcessByStdio,
  type SpawnOptions,
  type SpawnOptionsWithStdioTuple,
  type StdioNull,
  type StdioPipe,
} from 'node:child_process';
import type { Readable } from 'node:stream';

const running = new Set<ChildProcess>();
let hooksInstalled = false;

/** Kills every owned child still running, with its process group; synchronous, so it works at 'exit'. */
export function killOwnedChildren(): void {
  for (const child of running) {
    if (child.pid === undefined) continue;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // ESRCH: the group ended between its 'exit' and ours.
    }
  }
  running.clear();
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killOwnedChildren);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      killOwnedChildren();
      // process.exit runs the other 'exit' hooks (the namespaces' removal) after the kill.
      process.exit(128 + (signal === 'SIGHUP' ? 1 : signal === 'SIGINT' ? 2 : 15));
    });
  }
}

/** `command` started as an owned child: killed with its own children if the bench ends first. */
export function spawnOwned(
  command: string[],
  options: SpawnOptionsWithStdioTuple<StdioNull, StdioPipe, StdioPipe>,
): ChildProcessByStdio<null, Readable, Readable>;
export function spawnOwned(
  command: string[],
  options: SpawnOptionsWithStdioTuple<StdioNull, StdioPipe, StdioNull>,
): ChildProcessByStdio<null, Readable, null>;
export function spawnOwned(command: string[], options: SpawnOptions): ChildProcess {
  installHooks();
  const [cmd, ...args] = command;
  const child = spawn(cmd, args, { ...options, detached: true });
  running.add(child);
  child.once('exit', () => running.delete(child));
  // 'error' (the command cannot start) also means no process to kill.
  child.once('error', () => running.delete(child));
  return child;
}
