/**
 * The package as a user gets it: tarballs (with and without this machine's prebuilt binary), a
 * PATH with node and npm but no compiler, and `npm install` of a tarball into a fresh directory.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { ROOT } from '../support/processes';
import { PACKAGE_NAME, currentTarget, localBuildFile, prebuiltFile } from '../../lib/stream/native-loader';

export interface Tarballs {
  withPrebuild: string;
  /** The same package without the prebuilt binary for this machine (others stay). */
  withoutPrebuild: string;
}

/**
 * This process's environment without the npm_* variables `npm run`/`npx` put there: they carry the
 * outer npm's prefix and script settings (a nested `npm pack` then ran `prepare` despite
 * --ignore-scripts).
 */
export function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
}

function run(command: string, args: string[], options: SpawnSyncOptions): string {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 180000, maxBuffer: 64 << 20, env: cleanEnv(), ...options });
  assert.equal(result.status, 0, `${command} ${args.join(' ')} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return `${result.stdout}${result.stderr}`;
}

/**
 * The npm that comes with this Node, as a user has it — not node_modules/.bin/npm (Node-RED's
 * registry depends on an npm of its own, and `npm run` puts node_modules/.bin first on PATH).
 */
export function systemNpm(): string {
  const bundled = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
  if (fs.existsSync(bundled)) return fs.realpathSync(bundled);
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const npm = path.join(dir, 'npm');
    if (dir && !dir.split(path.sep).includes('node_modules') && fs.existsSync(npm)) return fs.realpathSync(npm);
  }
  throw new Error('no npm beside this node or on PATH');
}

/** `npm pack` of `dir` into `dest`, without lifecycle scripts; the tarball's path. */
function pack(dir: string, dest: string): string {
  const out = run(process.execPath, [systemNpm(), 'pack', '--ignore-scripts', '--json', '--pack-destination', dest], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const json = out.slice(out.indexOf('['), out.lastIndexOf(']') + 1);
  return path.join(dest, (JSON.parse(json) as Array<{ filename: string }>)[0].filename);
}

function unpack(tarball: string, into: string): string {
  fs.mkdirSync(into, { recursive: true });
  run('tar', ['xzf', tarball, '-C', into], {});
  return path.join(into, 'package');
}

/**
 * GIGE_PACKAGE_TARBALL (CI: packed after `npm run build:prebuilds`), or this checkout packed with
 * its own build (build/Release, the same binding.gyp and compiler as scripts/prebuild.js) as the
 * prebuilt binary for this machine.
 */
export function prepareTarballs(work: string): Tarballs {
  const target = currentTarget();
  let withPrebuild = process.env.GIGE_PACKAGE_TARBALL ? path.resolve(process.env.GIGE_PACKAGE_TARBALL) : '';
  if (!withPrebuild) {
    const plain = pack(ROOT, work);
    const stage = unpack(plain, path.join(work, 'stage-with'));
    fs.rmSync(path.join(stage, 'prebuilds'), { recursive: true, force: true });
    const prebuilt = prebuiltFile(stage, target);
    fs.mkdirSync(path.dirname(prebuilt), { recursive: true });
    fs.copyFileSync(localBuildFile(ROOT), prebuilt);
    fs.mkdirSync(path.join(work, 'with'));
    withPrebuild = pack(stage, path.join(work, 'with'));
  }
  const stage = unpack(withPrebuild, path.join(work, 'stage-without'));
  assert.ok(
    fs.existsSync(prebuiltFile(stage, target)),
    `the tarball has a prebuilt binary for ${target.platform}-${target.arch} ${target.libc}`,
  );
  fs.rmSync(prebuiltFile(stage, target));
  fs.mkdirSync(path.join(work, 'without'));
  return { withPrebuild, withoutPrebuild: pack(stage, path.join(work, 'without')) };
}

/**
 * A directory of symlinks to node, npm, npx and sh (npm runs scripts through sh): the whole PATH
 * of an install on a machine without build tools.
 */
export function compilerFreePath(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const npm = systemNpm();
  fs.symlinkSync(process.execPath, path.join(dir, 'node'));
  fs.symlinkSync(npm, path.join(dir, 'npm'));
  fs.symlinkSync(path.join(path.dirname(npm), 'npx-cli.js'), path.join(dir, 'npx'));
  fs.symlinkSync('/bin/sh', path.join(dir, 'sh'));
  return dir;
}

/**
 * `npm install <tarball>` into a fresh project `dir`, as a Node-RED user directory gets it, with
 * this package's install script allowed (`allowScripts`: recent npm blocks dependencies' install
 * scripts unless the project allows them) or with every script ignored (`--ignore-scripts`: then
 * the prebuilt binary must be found at run time all the same). Returns npm's output.
 */
export function npmInstall(dir: string, tarball: string, binDir: string, scripts: 'allowed' | 'ignored' = 'allowed'): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({
      name: 'fresh-user-dir',
      version: '1.0.0',
      private: true,
      allowScripts: { [PACKAGE_NAME]: true },
    }),
  );
  return run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--foreground-scripts', ...(scripts === 'ignored' ? ['--ignore-scripts'] : []), tarball],
    {
      cwd: dir,
      env: { PATH: binDir, HOME: os.homedir() },
    },
  );
}
