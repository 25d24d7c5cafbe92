/**
 * Child processes for CLI and end-to-end tests: started with a bounded lifetime, their output kept
 * for assertions and failure messages, and always killed when a test ends.
 */
import { spawn, ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import * as fs from 'node:fs';

export const ROOT = path.resolve(__dirname, '..', '..');

export interface Running {
  child: ChildProcess;
  output(): string;
  /** Resolves with the output once it matches, rejects with the output so far on timeout or exit. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Sends a signal and resolves with the exit code (rejects if it does not exit in time). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

const running = new Set<ChildProcess>();

export function start(command: string, args: string[], env: Record<string, string> = {}, lifetimeMs = 120000): Running {
  // Its own process group, so that a kill reaches what it started too: `npm start` runs Node-RED as
  // a child, which a SIGKILL of the parent alone would leave running, streaming, for good.
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  running.add(child);
  let text = '';
  child.stdout?.on('data', (d) => {
    text += d;
  });
  child.stderr?.on('data', (d) => {
    text += d;
  });
  const killer = setTimeout(() => killGroup(child), lifetimeMs);
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(killer);
      running.delete(child);
      resolve(code);
    }),
  );
  return {
    child,
    output: () => text,
    waitFor(pattern, timeoutMs = 30000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (pattern.test(text)) {
            clearInterval(poll);
            clearTimeout(timer);
            resolve(text);
          } else if (child.exitCode !== null) {
            clearInterval(poll);
            clearTimeout(timer);
            reject(new Error(`process exited (${child.exitCode}) before printing ${pattern}:\n${text}`));
          }
        };
        const poll = setInterval(check, 50);
        const timer = setTimeout(() => {
          clearInterval(poll);
          reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${text}`));
        }, timeoutMs);
        check();
      });
    },
    async stop(signal = 'SIGTERM', timeoutMs = 15000) {
      if (child.exitCode !== null) return child.exitCode;
      child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([
        exited,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`did not exit within ${timeoutMs} ms after ${signal}:\n${text}`)), timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      return code;
    },
  };
}

/** Kills whatever a failed test left running, with everything it started. */
export function killAll(): void {
  for (const child of running) killGroup(child);
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // The group is gone already.
  }
}

/** A TCP port that is free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The built CLI; `npm test` builds before it runs the tests. */
export function builtCli(): string {
  const cli = path.join(ROOT, 'dist', 'bin', 'gige.js');
  if (!fs.existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` (npm test builds first)`);
  return cli;
}
