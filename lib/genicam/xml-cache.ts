import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** What makes two downloads the same file: the device identity and the URL (file name, length, schema version). */
export interface XmlCacheKey {
  vendorName: string;
  modelName: string;
  deviceVersion: string;
  url: string;
}

interface CacheMeta extends XmlCacheKey {
  sha256: string;
  bytes: number;
  savedAt: string;
}

/**
 * `$GIGE_VISION_XML_CACHE`, else `$XDG_CACHE_HOME/node-red-contrib-gige-vision/genicam`, else
 * `~/.cache/node-red-contrib-gige-vision/genicam`.
 */
export function defaultXmlCacheDir(): string {
  if (process.env.GIGE_VISION_XML_CACHE) return process.env.GIGE_VISION_XML_CACHE;
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'node-red-contrib-gige-vision', 'genicam');
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function safe(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 40) || 'unknown';
}

/**
 * The on-disk XML cache: one `.xml` plus a `.json` that records the key and a checksum, so a
 * truncated or foreign file is never used. Writes go to a temporary file renamed into place, so
 * concurrent opens never read half a file. Failures to read or write the cache are not errors:
 * the XML is then simply downloaded.
 */
export class XmlCache {
  constructor(readonly dir: string) {}

  private paths(key: XmlCacheKey): { xml: string; meta: string } {
    const id = sha256(JSON.stringify([key.vendorName, key.modelName, key.deviceVersion, key.url])).slice(0, 16);
    const base = path.join(this.dir, `${safe(key.vendorName)}_${safe(key.modelName)}_${id}`);
    return { xml: `${base}.xml`, meta: `${base}.json` };
  }

  async get(key: XmlCacheKey): Promise<{ xml: string; path: string } | undefined> {
    const paths = this.paths(key);
    try {
      const meta = JSON.parse(await fs.readFile(paths.meta, 'utf8')) as CacheMeta;
      if (
        meta.vendorName !== key.vendorName ||
        meta.modelName !== key.modelName ||
        meta.deviceVersion !== key.deviceVersion ||
        meta.url !== key.url
      )
        return undefined;
      const xml = await fs.readFile(paths.xml, 'utf8');
      if (sha256(xml) !== meta.sha256) return undefined;
      return { xml, path: paths.xml };
    } catch {
      return undefined;
    }
  }

  async put(key: XmlCacheKey, xml: string): Promise<string | undefined> {
    const paths = this.paths(key);
    const meta: CacheMeta = { ...key, sha256: sha256(xml), bytes: Buffer.byteLength(xml), savedAt: new Date().toISOString() };
    const suffix = `.${process.pid}.${Date.now()}.tmp`;
    try {
      await fs.mkdir(this.dir, { recursive: true });
      await fs.writeFile(paths.xml + suffix, xml);
      await fs.rename(paths.xml + suffix, paths.xml);
      await fs.writeFile(paths.meta + suffix, JSON.stringify(meta, null, 2));
      await fs.rename(paths.meta + suffix, paths.meta);
      return paths.xml;
    } catch {
      await fs.rm(paths.xml + suffix, { force: true }).catch(() => undefined);
      await fs.rm(paths.meta + suffix, { force: true }).catch(() => undefined);
      return undefined;
    }
  }
}
