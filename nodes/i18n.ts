/**
 * Node texts (status, node-level errors, log lines) from the message catalogs in locales/<lang>/,
 * in the runtime's language through Node-RED's `RED._` (namespaced to the node's set). Where no
 * catalog answers — the test helper's `RED._` returns the key as is — the en-US catalog is read
 * directly, so a message never degrades to a bare key and tests see the real text.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NodeAPI } from 'node-red';

export type Params = Record<string, string | number | boolean>;
export type Translate = (key: string, params?: Params) => string;

const englishCatalogs = new Map<string, Record<string, unknown>>();

/** locales/ beside the compiled nodes (dist/nodes/locales) or at the package root (running from source). */
function localesDir(): string | null {
  for (const dir of [path.join(__dirname, 'locales'), path.join(__dirname, '..', 'locales')]) {
    if (fs.existsSync(path.join(dir, 'en-US'))) return dir;
  }
  return null;
}

function englishCatalog(type: string): Record<string, unknown> {
  let catalog = englishCatalogs.get(type);
  if (!catalog) {
    const dir = localesDir();
    try {
      catalog = dir ? (JSON.parse(fs.readFileSync(path.join(dir, 'en-US', `${type}.json`), 'utf8')) as Record<string, unknown>) : {};
    } catch {
      catalog = {};
    }
    englishCatalogs.set(type, catalog);
  }
  return catalog;
}

function lookup(catalog: Record<string, unknown>, key: string): string | null {
  let value: unknown = catalog;
  for (const part of key.split('.')) {
    if (value === null || typeof value !== 'object') return null;
    value = (value as Record<string, unknown>)[part];
  }
  return typeof value === 'string' ? value : null;
}

/** Node-RED's (i18next) placeholder form: `__name__`. */
export function interpolate(template: string, params: Params = {}): string {
  return template.replace(/__([A-Za-z0-9_]+)__/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** The texts of node `type`: keys relative to the type, e.g. t('status.applied', { count: 3 }). */
export function translator(RED: NodeAPI, type: string): Translate {
  return (key, params = {}) => {
    const full = `${type}.${key}`;
    let text: unknown;
    try {
      text = (RED as unknown as { _: (k: string, p?: Params) => unknown })._(full, params);
    } catch {
      text = undefined;
    }
    if (typeof text === 'string' && text !== full && text !== '') return text;
    const english = lookup(englishCatalog(type), full);
    return english === null ? full : interpolate(english, params);
  };
}
