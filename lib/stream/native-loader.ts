/**
 * Finds and loads the native core for this machine. One N-API build per platform serves every Node
 * version, so the package ships prebuilt binaries (`prebuilds/<platform>-<arch>/node.napi.<libc>.node`,
 * the layout node-gyp-build uses) and the install script compiles from source only where none fits.
 * Tried in order: `GIGE_NATIVE_ADDON` (alone, when set), a local build (`build/Release/`, made by
 * `npm rebuild` or in a source checkout), the prebuilt binary for this platform. When none loads,
 * the error says what was tried, why each failed, and how a Node-RED user fixes it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { GigeError } from '../errors';

export const PACKAGE_NAME = 'node-red-contrib-gige-vision';
const ADDON_NAME = 'gige_native.node';

export interface NativeTarget {
  platform: NodeJS.Platform;
  arch: string;
  /** On Linux: the C library Node runs on (Alpine's is musl); null elsewhere. */
  libc: 'glibc' | 'musl' | null;
}

export interface NativeAttempt {
  file: string;
  kind: 'GIGE_NATIVE_ADDON' | 'local build' | 'prebuilt binary';
  /** Why it was not used: absent, or the loader's own message. */
  problem: string;
}

export type NativeLoadResult<T> = { ok: true; addon: T; file: string; kind: NativeAttempt['kind'] } | { ok: false; error: GigeError };

/** Glibc Node reports its glibc version in the process report header; musl Node reports none. */
export function currentTarget(): NativeTarget {
  let libc: NativeTarget['libc'] = null;
  if (process.platform === 'linux') {
    const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
    libc = header?.glibcVersionRuntime ? 'glibc' : 'musl';
  }
  return { platform: process.platform, arch: process.arch, libc };
}

export function targetName(target: NativeTarget): string {
  return `${target.platform}-${target.arch}${target.libc ? ` (${target.libc})` : ''}`;
}

/** Where the prebuilt binary for `target` lives inside the package. */
export function prebuiltFile(root: string, target: NativeTarget): string {
  return path.join(root, 'prebuilds', `${target.platform}-${target.arch}`, `node.napi${target.libc ? `.${target.libc}` : ''}.node`);
}

export function localBuildFile(root: string): string {
  return path.join(root, 'build', 'Release', ADDON_NAME);
}

/** The nearest directory at or above `start` holding a package.json (the package root). */
export function findPackageRoot(start: string): string | null {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return null;
  }
}

/** The prebuilt binaries the package holds, e.g. ['linux-arm64 (glibc)', 'linux-x64 (musl)']. */
export function shippedPrebuilds(root: string): string[] {
  const dir = path.join(root, 'prebuilds');
  if (!fs.existsSync(dir)) return [];
  const found: string[] = [];
  for (const platformArch of fs.readdirSync(dir).sort()) {
    for (const file of fs.readdirSync(path.join(dir, platformArch)).sort()) {
      const libc = /^node\.napi\.(glibc|musl)\.node$/.exec(file)?.[1];
      if (libc) found.push(`${platformArch} (${libc})`);
      else if (file === 'node.napi.node') found.push(platformArch);
    }
  }
  return found;
}

/**
 * What a Node-RED user does when no binary fits: the commands, not this repository's scripts.
 * Node-RED installs palette packages into its user directory, so that is where to rebuild.
 */
export function buildFromSourceAdvice(target: NativeTarget = currentTarget()): string {
  const tools =
    target.libc === 'musl'
      ? 'Alpine: `apk add build-base python3`'
      : 'Debian, Ubuntu, Raspberry Pi OS: `sudo apt install build-essential python3`; Fedora/RHEL: `sudo dnf install gcc-c++ make python3`';
  return (
    `To compile it for this machine, install a C++ compiler, make and Python 3 (${tools}), ` +
    `then run \`npm rebuild ${PACKAGE_NAME}\` in the Node-RED user directory (usually ~/.node-red; ` +
    `in a container, the /data volume) and restart Node-RED`
  );
}

/** The ABI this package's TypeScript expects (native/src/addon.cc): a build from another version lacks what it calls. */
export const NATIVE_ABI_VERSION = 2;

function tryLoad<T>(file: string, kind: NativeAttempt['kind'], attempts: NativeAttempt[]): T | null {
  if (!fs.existsSync(file)) {
    attempts.push({ file, kind, problem: 'not present' });
    return null;
  }
  let addon: T;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    addon = require(file) as T;
  } catch (err) {
    attempts.push({ file, kind, problem: (err as Error).message.split('\n')[0] });
    return null;
  }
  const abi = (addon as { abiVersion?: unknown }).abiVersion;
  if (abi !== NATIVE_ABI_VERSION) {
    attempts.push({
      file,
      kind,
      problem: `built from another version of this package (ABI ${String(abi)}, this one needs ${NATIVE_ABI_VERSION}); rebuild it: npm rebuild`,
    });
    return null;
  }
  return addon;
}

/**
 * Loads the addon for the package that contains `from` (or `override`, the `GIGE_NATIVE_ADDON`
 * path, alone). Never throws: a failure comes back as a `NATIVE_NOT_FOUND` GigeError.
 */
export function loadNativeAddon<T>(from: string, override?: string): NativeLoadResult<T> {
  const attempts: NativeAttempt[] = [];
  if (override) {
    const addon = tryLoad<T>(override, 'GIGE_NATIVE_ADDON', attempts);
    if (addon) return { ok: true, addon, file: override, kind: 'GIGE_NATIVE_ADDON' };
    return { ok: false, error: notFound(attempts, null, currentTarget()) };
  }
  const root = findPackageRoot(from);
  if (!root) {
    const target = currentTarget();
    return { ok: false, error: notFound([{ file: from, kind: 'local build', problem: 'no package.json above it' }], null, target) };
  }
  const local = localBuildFile(root);
  let addon = tryLoad<T>(local, 'local build', attempts);
  if (addon) return { ok: true, addon, file: local, kind: 'local build' };
  const target = currentTarget();
  const prebuilt = prebuiltFile(root, target);
  addon = tryLoad<T>(prebuilt, 'prebuilt binary', attempts);
  if (addon) return { ok: true, addon, file: prebuilt, kind: 'prebuilt binary' };
  return { ok: false, error: notFound(attempts, root, target) };
}

function notFound(attempts: NativeAttempt[], root: string | null, target: NativeTarget): GigeError {
  const shipped = root ? shippedPrebuilds(root) : [];
  const tried = attempts.map((a) => `${a.kind} ${a.file}: ${a.problem}`).join('; ');
  const prebuiltProblem = attempts.find((a) => a.kind === 'prebuilt binary');
  const why = !prebuiltProblem
    ? `the native core could not be loaded (${tried})`
    : prebuiltProblem.problem === 'not present'
      ? `this package has no prebuilt binary for ${targetName(target)} (it has: ${shipped.join(', ') || 'none'}) and none was compiled when it was installed`
      : `the prebuilt binary for ${targetName(target)} does not load on this machine (${prebuiltProblem.problem}) and none was compiled when it was installed`;
  const message =
    `${PACKAGE_NAME}: the native streaming core is missing: ${why}. ` +
    'Without it no frames can be received or streamed (camera features, events and action commands still work). ' +
    `${buildFromSourceAdvice(target)}. Tried: ${tried}`;
  return new GigeError('NATIVE_NOT_FOUND', message, { target: targetName(target), attempts, shipped });
}
