/**
 * Every node's texts (the node types of package.json): a catalog and a help page in en-US, de and
 * ja for each, the same keys in every language, every key the node's code and editor use present,
 * and status texts that fit Node-RED's ~20 characters with the longest values they are shown with.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from '../support/processes';
import { interpolate } from '../../nodes/i18n';

const TYPES = Object.keys(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'))['node-red'].nodes as Record<string, string>);
/** Code beside a node's own file that shows its texts (keys under `prefix`): the config node's status on its users, its picker. */
const ALSO: Record<string, Array<{ file: string; prefix: string }>> = {
  'gige-camera-config': [
    { file: 'nodes/camera-user.ts', prefix: '' },
    { file: 'resources/gige-editor.js', prefix: 'picker.' },
  ],
};
const LANGUAGES = ['en-US', 'de', 'ja'];
/** The longest value each status placeholder is shown with. */
const WIDEST: Record<string, string> = {
  count: '99999',
  duration: '32767',
  status: 'Uncalibrated',
  interval: '4294967295 µs',
  seconds: '999',
  percent: '100.00',
  alarm: 'resend +2',
};

function catalog(lang: string, type: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(ROOT, 'locales', lang, `${type}.json`), 'utf8'))[type];
}

function keys(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object') return [prefix];
  return Object.entries(value).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k));
}

function lookup(value: unknown, key: string): unknown {
  return key
    .split('.')
    .reduce<unknown>((v, part) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined), value);
}

describe("nodes: every node's catalog and help in en-US, de and ja", () => {
  it('covers the node types of package.json, which lists exactly the types the editor files register', () => {
    assert.ok(TYPES.includes('gige-camera-config') && TYPES.includes('gige-feature') && TYPES.includes('gige-action'), TYPES.join(', '));
    const registered = fs
      .readdirSync(path.join(ROOT, 'nodes'))
      .filter((f) => f.endsWith('.html'))
      .flatMap((f) => [...fs.readFileSync(path.join(ROOT, 'nodes', f), 'utf8').matchAll(/registerType\('([a-z-]+)'/g)].map((m) => m[1]));
    assert.deepEqual([...TYPES].sort(), registered.sort());
    assert.ok(!TYPES.includes('gige-event'), 'gige-event is gone (gige-event-listener replaces it)');
  });

  it('gives every node in the palette an icon of its own, present in icons/', () => {
    const icons = new Map<string, string>();
    for (const type of TYPES) {
      const icon = /\bicon: '([^']+)'/.exec(fs.readFileSync(path.join(ROOT, 'nodes', `${type}.html`), 'utf8'))?.[1];
      if (type === 'gige-camera-config') continue; // config nodes are not in the palette
      assert.ok(icon, `${type} names an icon`);
      assert.ok(fs.existsSync(path.join(ROOT, 'icons', icon)), `icons/${icon}`);
      assert.ok(!icons.has(icon), `${type} and ${icons.get(icon)} share ${icon}`);
      icons.set(icon, type);
    }
  });

  for (const type of TYPES) {
    describe(type, () => {
      it('has a catalog and a help page in each language, with the same keys', () => {
        const english = keys(catalog('en-US', type)).sort();
        for (const lang of LANGUAGES) {
          assert.deepEqual(keys(catalog(lang, type)).sort(), english, `${lang}/${type}.json`);
          const help = fs.readFileSync(path.join(ROOT, 'locales', lang, `${type}.html`), 'utf8');
          assert.match(help, new RegExp(`data-help-name="${type}"`));
          assert.ok((help.match(/<h3>/g) ?? []).length >= 2, `${lang} help has sections`);
        }
      });

      it('status texts fit in 20 characters in every language', () => {
        for (const lang of LANGUAGES) {
          const c = catalog(lang, type);
          for (const section of ['status', 'camera']) {
            for (const [key, text] of Object.entries((c[section] ?? {}) as Record<string, string>)) {
              const shown = interpolate(text, WIDEST);
              assert.ok([...shown].length <= 20, `${lang} ${type}.${section}.${key}: "${shown}" is ${[...shown].length} characters`);
            }
          }
        }
      });

      it('every key its code and editor use is in the catalog', () => {
        const english = catalog('en-US', type);
        const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');
        const code = read(`nodes/${type}.ts`);
        const editor = read(`nodes/${type}.html`);
        const used = new Set<string>();
        for (const { file, prefix } of [{ file: `nodes/${type}.ts`, prefix: '' }, ...(ALSO[type] ?? [])]) {
          for (const m of read(file).matchAll(/\bt\('([a-zA-Z.]+)'/g)) used.add(prefix + m[1]);
        }
        for (const m of code.matchAll(/'((?:status|errors|log)\.[a-zA-Z]+)'/g)) used.add(m[1]);
        for (const m of code.matchAll(/\$\{STATUS\}([a-zA-Z]+)/g)) used.add(`status.${m[1]}`);
        for (const m of editor.matchAll(new RegExp(`${type}\\.([a-zA-Z0-9.]+)`, 'g'))) {
          if (!/^(svg|html)$/.test(m[1])) used.add(m[1]);
        }
        // Keys the editor builds on its catalog prefix: RED._(NS + 'search.none'); a key ending in '.' is completed at run time.
        for (const m of (editor + code).matchAll(/(?:NS|CATALOG) \+ '([a-zA-Z0-9.]+)'/g)) {
          if (!m[1].endsWith('.')) used.add(m[1]);
        }
        const missing = [...used].filter((key) => typeof lookup(english, key) !== 'string');
        assert.deepEqual(missing, [], `${type}: keys used but not in the catalog`);
      });
    });
  }
});
