/**
 * Node-RED node files for node-red-node-test-helper, which takes each node's module function:
 * Node-RED's core nodes (by their path under @node-red/nodes/core) and third-party nodes the
 * examples wire to ours. One place that loads them, for every suite that needs them.
 */
import path from 'node:path';

const CORE_DIR = path.join(path.dirname(require.resolve('@node-red/nodes/package.json')), 'core');

/** A node file by module specifier or absolute path. */
export function nodeFile(file: string): any {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the name is computed at run time and these files ship no typings, so no static import can name them
  return require(file);
}

/** One of Node-RED's core node files, e.g. 'common/20-inject.js'. */
export function coreNode(file: string): any {
  return nodeFile(path.join(CORE_DIR, file));
}
