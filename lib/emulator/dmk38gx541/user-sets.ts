/**
 * User sets (manual 5.10): the camera's non-volatile memory, emulated by a JSON file the emulator
 * is given (`userSetFile`), so a restarted emulator keeps UserSet1, UserSet2 and UserSetDefault.
 * Without a file the slots live in memory for the emulator's lifetime.
 *
 * A set holds every streamable feature (Streamable=Yes in the XML) by name — enumerations by entry
 * name, booleans as true/false, selected features per selector entry — and the lookup table.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GigeError } from '../../errors';
import { FeatureDef } from './feature-types';
import { features } from './features';

export type SlotName = 'UserSet1' | 'UserSet2';
export type SetValue = string | number | boolean | number[] | Record<string, string | number | boolean>;
export type UserSetData = Record<string, SetValue>;

interface FileContent {
  format: 'dmk38gx541-user-sets';
  version: 1;
  userSetDefault: 'Default' | SlotName;
  sets: Partial<Record<SlotName, UserSetData>>;
}

/** Features a user set holds (LUTValueAll is held as an array). */
export function savedFeatures(): FeatureDef[] {
  return features.filter((f) => f.streamable && f.kind !== 'command');
}

export class UserSetMemory {
  private content: FileContent = { format: 'dmk38gx541-user-sets', version: 1, userSetDefault: 'Default', sets: {} };

  constructor(readonly file?: string) {
    if (file && fs.existsSync(file)) this.content = readFile(file);
  }

  get userSetDefault(): 'Default' | SlotName {
    return this.content.userSetDefault;
  }

  set userSetDefault(value: 'Default' | SlotName) {
    this.content.userSetDefault = value;
    this.persist();
  }

  get(slot: SlotName): UserSetData | undefined {
    return this.content.sets[slot];
  }

  save(slot: SlotName, data: UserSetData): void {
    this.content.sets[slot] = data;
    this.persist();
  }

  private persist(): void {
    if (!this.file) return;
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      fs.writeFileSync(tmp, JSON.stringify(this.content, null, 2) + '\n');
      fs.renameSync(tmp, this.file);
    } catch (err) {
      throw new GigeError(
        'USER_SET_WRITE',
        `cannot write the user set file ${this.file}: ${(err as Error).message}`,
        { file: this.file },
        { cause: err },
      );
    }
  }
}

function readFile(file: string): FileContent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new GigeError(
      'USER_SET_FILE',
      `the user set file ${file} is not readable JSON: ${(err as Error).message}; delete it to start from factory defaults`,
      { file },
      { cause: err },
    );
  }
  const content = parsed as Partial<FileContent>;
  const slots = ['Default', 'UserSet1', 'UserSet2'];
  if (
    content?.format !== 'dmk38gx541-user-sets' ||
    content.version !== 1 ||
    typeof content.sets !== 'object' ||
    !slots.includes(String(content.userSetDefault))
  ) {
    throw new GigeError(
      'USER_SET_FILE',
      `the user set file ${file} is not a DMK 38GX541-a user set file (format "dmk38gx541-user-sets", version 1); delete it to start from factory defaults`,
      { file },
    );
  }
  return content as FileContent;
}
