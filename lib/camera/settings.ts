import { GigeError, quoteInput } from '../errors';

/**
 * Parses the config node's "apply on connect" settings: one `Name=Value` per line, `#` starts a
 * comment. Values stay text: the GenICam layer converts text by the feature's own type, so a
 * String feature keeps `0042` and a 64-bit integer keeps every digit (a JavaScript number would
 * lose both). Order is kept: selectors must come before what they select.
 */
export function parseSettings(text: string | undefined): Array<[string, string]> {
  const settings: Array<[string, string]> = [];
  (text ?? '').split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) return;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.+)$/.exec(line);
    if (!match) {
      throw new GigeError(
        'BAD_SETTING',
        `Settings line ${index + 1} ${quoteInput(raw.trim())} is not Name=Value (e.g. ExposureTime=10000)`,
        { line: index + 1 },
      );
    }
    settings.push([match[1], match[2].trim()]);
  });
  return settings;
}
