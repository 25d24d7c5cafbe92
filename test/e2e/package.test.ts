import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT } from '../support/processes';

/**
 * What `npm publish` would ship: every file Node-RED looks for beside each node (its .html, its
 * locales, the icons it names), the CLI, and everything node-gyp needs to build the native core
 * on the user's machine.
 */
describe('e2e: the published package has what Node-RED and node-gyp look for', function () {
  this.timeout(60000);
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  let files: Set<string>;

  before(() => {
    const result = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', timeout: 60000 });
    assert.equal(result.status, 0, result.stderr);
    files = new Set((JSON.parse(result.stdout)[0].files as Array<{ path: string }>).map((f) => f.path));
  });

  it('declares what CI tests: Node-RED 4.1 on Node 20 and Node-RED 5 (Node ≥ 22.9) up, CommonJS', () => {
    // .ci/run: the suite on Node 20 + Node-RED 4.1 and on Node 22 and 24 + Node-RED 5.0.
    assert.equal(pkg['node-red'].version, '>=4.1.0');
    assert.equal(pkg.engines.node, '>=20');
    assert.notEqual(pkg.type, 'module');
    assert.equal(pkg.license, 'Apache-2.0');
  });

  it('ships each node with its editor HTML, locales and icons beside it', () => {
    for (const [type, file] of Object.entries(pkg['node-red'].nodes as Record<string, string>)) {
      const dir = path.dirname(file);
      const base = path.basename(file, '.js');
      assert.ok(files.has(file), `${type}: ${file}`);
      assert.ok(files.has(`${dir}/${base}.html`), `${type}: ${dir}/${base}.html`);
      assert.ok(files.has(`${dir}/locales/en-US/${base}.json`), `${type}: message catalog`);
      assert.ok(files.has(`${dir}/locales/en-US/${base}.html`), `${type}: help text`);
      const html = fs.readFileSync(path.join(ROOT, dir, `${base}.html`), 'utf8');
      for (const [, icon] of html.matchAll(/icon:\s*'([^']+)'/g)) {
        assert.ok(files.has(`${dir}/icons/${icon}`), `${type}: icon ${icon}`);
      }
    }
  });

  it('ships the install script and the library entry point with its types', () => {
    assert.equal(pkg.scripts.install, 'node scripts/install.js');
    assert.ok(files.has('scripts/install.js'));
    assert.ok(files.has(pkg.main), pkg.main);
    assert.ok(files.has(pkg.types), pkg.types);
  });

  it('ships the CLI and the example flows', () => {
    assert.ok(files.has(pkg.bin.gige), pkg.bin.gige);
    assert.ok([...files].some((f) => f.startsWith('examples/') && f.endsWith('.json')));
  });

  it('ships binding.gyp and every native source it builds', () => {
    assert.ok(files.has('binding.gyp'));
    const gyp = fs.readFileSync(path.join(ROOT, 'binding.gyp'), 'utf8');
    const sources = [...gyp.matchAll(/"(native\/[^"]+\.(?:cc|cpp|c))"/g)].map((m) => m[1]);
    assert.ok(sources.length > 0);
    for (const source of sources) assert.ok(files.has(source), source);
    for (const header of fs.readdirSync(path.join(ROOT, 'native', 'src')).filter((f) => f.endsWith('.h'))) {
      assert.ok(files.has(`native/src/${header}`), `native/src/${header}`);
    }
    assert.ok(pkg.dependencies['node-addon-api'], 'node-addon-api is needed at install time');
  });
});
