import { GigeError } from '../errors';

export type SettingValue = number | string | boolean;

/**
 * Parses the config node's "apply on connect" settings: one `Name=Value` per line, `#` starts a
 * comment. Numbers become numbers, true/false booleans, anything else a string (an enumeration
 * entry such as `Mono8`). Order is kept: selectors must come before what they select.
 */
export function parseSettings(text: string | undefined): Array<[string, SettingValue]> {
  const settings: Array<[string, SettingValue]> = [];
  (text ?? '').split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) return;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.+)$/.exec(line);
    if (!match) {
      throw new GigeError('BAD_SETTING', `Settings line ${index + 1} "${raw.trim()}" is not Name=Value (e.g. ExposureTime=10000)`, { line: index + 1 });
    }
    settings.push([match[1], parseValue(match[2].trim())]);
  });
  return settings;
}

/** `true`/`false` → boolean, numeric text → number, anything else → the text (an enumeration entry). */
export function parseValue(text: string): SettingValue {
  if (/^(true|false)$/i.test(text)) return text.toLowerCase() === 'true';
  if (/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text) || /^0x[0-9a-f]+$/i.test(text)) return Number(text);
  return text;
}
