/**
 * The device's IP configuration as a real GigE Vision camera keeps it (bootstrap 0x0014 and the
 * persistent IP registers 0x064C/0x065C/0x066C; GenICam GevCurrentIPConfiguration*,
 * GevPersistent*): which methods are enabled, the persistent address, and — with a state file —
 * all of it surviving a restart, as the camera's flash does.
 *
 * Power-up follows the camera's order: the persistent address when PersistentIP is enabled, else
 * what DHCP/LLA would give; the emulator's given address (`--address`) plays that part. A persistent
 * address this emulator cannot serve (not loopback without `allowNetwork`, or not an address of the
 * host) falls back to the given one with a warning, as a camera whose static address is refused
 * falls back to DHCP/LLA. FORCEIP is never persistent (protocol reference 1.6).
 */
import fs from 'node:fs';
import path from 'node:path';
import { GigeError } from '../../errors';
import { isIpv4 } from '../../gvcp/address';
import { IpConfiguration } from '../../gvcp/protocol';

export interface IpSettings {
  /** Bootstrap 0x0014 bits: PERSISTENT 0x1, DHCP 0x2; LLA 0x4 is always on. */
  configuration: number;
  persistentAddress: string;
  persistentSubnetMask: string;
  persistentGateway: string;
  /** DeviceUserID (bootstrap 0x00E8), kept in the camera's flash too. */
  userDefinedName: string;
}

const STATE_VERSION = 1;
const SETTABLE = IpConfiguration.PERSISTENT | IpConfiguration.DHCP;

/** Factory state of an emulator given `address`: a static (persistent) address, as the emulator is configured with one. */
export function defaultIpSettings(address: string, subnetMask: string, gateway: string, userDefinedName: string): IpSettings {
  return {
    configuration: IpConfiguration.PERSISTENT | IpConfiguration.LLA,
    persistentAddress: address,
    persistentSubnetMask: subnetMask,
    persistentGateway: gateway,
    userDefinedName,
  };
}

/** Normalises the 0x0014 bits a host wrote: only PERSISTENT and DHCP are settable, LLA stays on. */
export function ipConfigurationBits(value: number): number {
  return ((value & SETTABLE) | IpConfiguration.LLA) >>> 0;
}

/**
 * Where the settings live between runs. Without a file they last as long as the emulator. A file
 * that is not this emulator's state is refused with what to do, never silently replaced.
 */
export class IpSettingsFile {
  constructor(readonly file: string | undefined) {}

  load(defaults: IpSettings): IpSettings {
    if (!this.file || !fs.existsSync(this.file)) return { ...defaults };
    let parsed: unknown;
    try {
      parsed = JSON.parse(fs.readFileSync(this.file, 'utf8'));
    } catch (err) {
      throw this.corrupt(`is not readable JSON (${(err as Error).message})`);
    }
    const s = parsed as Partial<IpSettings> & { version?: number };
    if (s === null || typeof s !== 'object' || s.version !== STATE_VERSION) throw this.corrupt(`has no "version": ${STATE_VERSION}`);
    for (const key of ['persistentAddress', 'persistentSubnetMask', 'persistentGateway'] as const) {
      if (typeof s[key] !== 'string' || !isIpv4(s[key] as string)) throw this.corrupt(`"${key}" is not an IPv4 address`);
    }
    if (typeof s.configuration !== 'number' || !Number.isInteger(s.configuration)) throw this.corrupt('"configuration" is not a number');
    return {
      configuration: ipConfigurationBits(s.configuration),
      persistentAddress: s.persistentAddress as string,
      persistentSubnetMask: s.persistentSubnetMask as string,
      persistentGateway: s.persistentGateway as string,
      userDefinedName: typeof s.userDefinedName === 'string' ? s.userDefinedName.slice(0, 15) : defaults.userDefinedName,
    };
  }

  /** Written whole to a temporary file and renamed, so a crash never leaves half a state. */
  save(settings: IpSettings): void {
    if (!this.file) return;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const temporary = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, `${JSON.stringify({ version: STATE_VERSION, ...settings }, null, 2)}\n`);
    fs.renameSync(temporary, this.file);
  }

  private corrupt(problem: string): GigeError {
    return new GigeError('EMULATOR_STATE', `emulator state file ${this.file} ${problem}; delete it to start from the factory settings`, {
      file: this.file,
    });
  }
}

export interface StartupAddress {
  address: string;
  subnetMask: string;
  gateway: string;
  /** How the address was chosen. */
  source: 'persistent' | 'given';
  /** Why the persistent address was not used, when it was enabled but could not be served. */
  fallback?: string;
}

/**
 * The address the device powers up with. `servable` says whether this emulator may bind an address
 * (a reason when not).
 */
export function startupAddress(
  settings: IpSettings,
  given: { address: string; subnetMask: string; gateway: string },
  servable: (address: string) => string | null,
): StartupAddress {
  if (!(settings.configuration & IpConfiguration.PERSISTENT) || settings.persistentAddress === '0.0.0.0')
    return { ...given, source: 'given' };
  const refused = servable(settings.persistentAddress);
  if (refused) {
    return {
      ...given,
      source: 'given',
      fallback: `persistent IP ${settings.persistentAddress} is not used: ${refused}; starting at ${given.address}`,
    };
  }
  return {
    address: settings.persistentAddress,
    subnetMask: settings.persistentSubnetMask,
    gateway: settings.persistentGateway,
    source: 'persistent',
  };
}
