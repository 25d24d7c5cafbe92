/**
 * Runs a bench child script (TypeScript through tsx) inside the receivers' namespace (or the
 * camera's) and parses the JSON it prints as its last line; bounded in time. `onJsonLine` sees every
 * JSON line as it arrives, for a child that reports something (a port) before its result.
 */

import { signalGroup, spawnOwned } from '../owned-children';
import type { BenchEnvironment } from '../stream/harness';

let childNodeArgs: string[] = [];

/** Flags for the Node processes runChild starts (bench:flow --node-args): V8's, to trace or tune Node-RED's process. */
export function setChildNodeArgs(args: string[]): void {
  childNodeArgs = args;
}

/**
 * For a RESULT line: the Node the children ran on (` node=v24.…`: V8's collector and compilers
 * move the trigger figures by more than a millisecond between majors, bench/README.md, thirteenth
 * session), and ` node_args="…"` when they ran with flags.
 */
export function childRuntimeFields(): string {
  return ` node=${process.version}` + (childNodeArgs.length === 0 ? '' : ` node_args="${childNodeArgs.join(' ')}"`);
}

export interface ChildOptions {
  namespace?: 'host' | 'camera';
  onJsonLine?: (line: string) => void;
}

export function runChild<T>(
  env: BenchEnvironment,
  script: string,
  input: unknown,
  timeoutMs: number,
  options: ChildOptions = {},
): Promise<T> {
  const command = [process.execPath, ...childNodeArgs, '-r', 'tsx/cjs', script, JSON.stringify(input)];
  const inNamespace = options.namespace === 'camera' ? env.inCamera(command) : env.inHost(command);
  return new Promise((resolve, reject) => {
    const child = spawnOwned(inNamespace, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let pending = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      // Node-RED's log (errors only) goes to stdout: show it; the result line is JSON.
      pending += d.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('{')) options.onJsonLine?.(line);
        else if (line.trim()) process.stderr.write(`    ${line}\n`);
      }
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      process.stderr.write(d);
    });
    const killer = setTimeout(() => signalGroup(child, 'SIGKILL'), timeoutMs);
    child.on('error', reject);
    // 'close', not 'exit': at 'exit' the child's stdout may still hold the end of its result line.
    child.on('close', (code) => {
      clearTimeout(killer);
      // The result is the last JSON line; Node-RED may log after it while the line drains.
      const last = out
        .trim()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .pop();
      if (code !== 0 || !last) {
        reject(new Error(`${script} failed (${code}): ${err.slice(-800)}`));
        return;
      }
      // A throw here would escape the event handler, end the bench and leave its emulators running.
      try {
        resolve(JSON.parse(last) as T);
      } catch (parseError) {
        reject(new Error(`${script} printed no JSON result as its last line (${String(parseError)}): ${last.slice(0, 200)}`));
      }
    });
  });
}

/** The p-th percentile (0–100) of `values` (nearest rank); NaN for none. */
export function percentile(values: number[], p: number): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
