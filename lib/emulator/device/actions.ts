/**
 * Action signals (§7): the write-only device key (0x090C) and, per signal i, a group key and mask
 * at 0x9800 + 0x10·i / +4. An ACTION_CMD fires signal i iff device key, group key match and
 * (command mask & signal mask) ≠ 0.
 */
import { ACTION_GROUP_STRIDE, Bootstrap, GvcpStatus } from '../../gvcp/protocol';
import type { ActionCommand } from '../../gvcp/codec';

export class ActionTable {
  private deviceKey = 0;
  private readonly groupKeys: Uint32Array;
  private readonly groupMasks: Uint32Array;

  constructor(readonly signals: number) {
    this.groupKeys = new Uint32Array(signals);
    this.groupMasks = new Uint32Array(signals);
  }

  /** True when `address` is one of this table's registers (device key or a group key/mask). */
  owns(address: number): boolean {
    if (this.signals === 0) return false;
    if (address === Bootstrap.ACTION_DEVICE_KEY) return true;
    const offset = address - Bootstrap.ACTION_GROUP_KEY0;
    return offset >= 0 && offset < this.signals * ACTION_GROUP_STRIDE && offset % ACTION_GROUP_STRIDE < 8 && offset % 4 === 0;
  }

  read(address: number): { status: number; value: number } {
    // The device key is write-only so that applications without control cannot learn it.
    if (address === Bootstrap.ACTION_DEVICE_KEY) return { status: GvcpStatus.ACCESS_DENIED, value: 0 };
    const offset = address - Bootstrap.ACTION_GROUP_KEY0;
    const i = Math.floor(offset / ACTION_GROUP_STRIDE);
    const value = offset % ACTION_GROUP_STRIDE === 0 ? this.groupKeys[i] : this.groupMasks[i];
    return { status: GvcpStatus.SUCCESS, value };
  }

  write(address: number, value: number): number {
    if (address === Bootstrap.ACTION_DEVICE_KEY) {
      this.deviceKey = value >>> 0;
      return GvcpStatus.SUCCESS;
    }
    const offset = address - Bootstrap.ACTION_GROUP_KEY0;
    const i = Math.floor(offset / ACTION_GROUP_STRIDE);
    if (offset % ACTION_GROUP_STRIDE === 0) this.groupKeys[i] = value >>> 0;
    else this.groupMasks[i] = value >>> 0;
    return GvcpStatus.SUCCESS;
  }

  /** Indices of the signals this command fires (empty: the command is not for this device). */
  match(cmd: ActionCommand): number[] {
    if (cmd.deviceKey !== this.deviceKey) return [];
    const out: number[] = [];
    for (let i = 0; i < this.signals; i += 1) {
      if (cmd.groupKey === this.groupKeys[i] && (cmd.groupMask & this.groupMasks[i]) >>> 0 !== 0) out.push(i);
    }
    return out;
  }
}
