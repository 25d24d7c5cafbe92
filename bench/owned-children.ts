/**
 * The processes a bench starts (emulated cameras, Node-RED, runners), each in a process group of
 * its own, and all of them killed — with whatever they started in turn — however the bench ends:
 * a reader gone from its stdout (EPIPE), a signal, an uncaught error. Without this, a bench that
 * died while a camera streamed left the emulator running after it, holding a core.
 *
 * A group of its own, because a plain kill of the child would leave its children (a runner's
 * device, a receiver) behind. Such a group is also a session of its own (Node's `detached`), so
 * signals to the bench's group no longer reach it: the bench forwards SIGINT/SIGTERM/SIGHUP
 * itself, and where util-linux's `setpriv` exists each child is also asked to die with the bench
 * (`--pdeathsig KILL`, kept across `ip netns exec`, `chrt` and `node`) — the one way out of a
 * bench killed by SIGKILL. Only the bench's top process uses this: a child that started groups of
 * its own would take its children out of its parent's kill.
 *
 * Children also get a scratch directory of the bench's own (`SCRATCH_DIR_VARIABLE` in their
 * environment), removed at the bench's exit: a child killed mid-trial cannot remove what it made
 * there (a Node-RED user directory). Not TMPDIR: tsx keeps its compile cache there, across runs.
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
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Readable } from 'node:stream';

const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((candidate) => fs.existsSync(candidate));
const SIGNAL_EXIT_CODES = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const;

const running = new Set<ChildProcess>();
let exitHookInstalled = false;
let signalHooksInstalled = false;
let scratchDir: string | null = null;

/** Where a child makes its temporary files (bench/flow/node-red-host.ts). */
export const SCRATCH_DIR_VARIABLE = 'GIGE_BENCH_SCRATCH_DIR';

/** Sends `signal` to the child's whole process group; false when there is none any more. */
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): boolean {
  if (child.pid === undefined) return false;
  try {
    process.kill(-child.pid, signal);
    return true;
  } catch {
    // ESRCH: every member of the group has ended.
    return false;
  }
}

/** Kills every owned child still running, with its process group; synchronous, so it works at 'exit'. */
export function killOwnedChildren(): void {
  for (const child of running) signalGroup(child, 'SIGKILL');
  running.clear();
}

/** At exit: the children, then their scratch directory. */
function cleanUpAtExit(): void {
  killOwnedChildren();
  if (scratchDir === null) return;
  try {
    fs.rmSync(scratchDir, { recursive: true, force: true });
  } catch (err) {
    // An exit hook that throws would replace the bench's own exit code: say it and go on.
    process.stderr.write(`bench: could not remove ${scratchDir}: ${(err as Error).message}\n`);
  }
}

/**
 * On SIGINT/SIGTERM/SIGHUP: kill the owned children, then exit with 128 + the signal's number,
 * which runs the other 'exit' hooks (a BenchEnvironment's removal of its namespaces). Idempotent.
 */
export function exitOnSignals(): void {
  if (signalHooksInstalled) return;
  signalHooksInstalled = true;
  for (const [signal, code] of Object.entries(SIGNAL_EXIT_CODES)) {
    process.on(signal, () => {
      killOwnedChildren();
      process.exit(code);
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
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', cleanUpAtExit);
  }
  exitOnSignals();
  const [cmd, ...args] = SETPRIV ? [SETPRIV, '--pdeathsig', 'KILL', '--', ...command] : command;
  // The caller handles 'error' (the command could not start): such a child has no pid to kill.
  scratchDir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'gige-bench-'));
  const env = { ...(options.env ?? process.env), [SCRATCH_DIR_VARIABLE]: scratchDir };
  const child = spawn(cmd, args, { ...options, env, detached: true });
  running.add(child);
  child.once('exit', () => {
    // The leader is gone; what it started may not be (a runner's trials): the group goes with it.
    signalGroup(child, 'SIGKILL');
    running.delete(child);
  });
  return child;
}
