/**
 * One camera's membership in its host interface's bandwidth budget (bandwidth.ts): what it wants
 * (PayloadSize, packet size, AcquisitionFrameRate, its link), and how an allocation is applied to
 * it — GevSCPD, and AcquisitionFrameRate lowered when its share cannot carry its frames — and
 * undone (its own GevSCPD and frame rate back) when it has the link to itself again.
 */
import { Bootstrap, GvcpCapability, StreamChannelRegister, listIPv4Interfaces } from '../gvcp';
import type { ControlChannel } from '../gvcp';
import type { NodeMap } from '../genicam';
import {
  BandwidthPlan,
  DEFAULT_HEADROOM,
  StreamAllocation,
  checkHeadroom,
  describePlan,
  hostLinkBudgets,
  wireBytesPerFrame,
} from './bandwidth';

export interface BandwidthOptions {
  /** Share of the link left free (default 0.1). */
  headroom?: number;
  /** The shared link's speed; default the host interface's (when the driver reports it), else the camera's link speed. */
  linkSpeedMbps?: number;
}

export interface BudgetReport {
  interfaceName: string;
  plan: BandwidthPlan;
  allocation: StreamAllocation | undefined;
  description: string;
}

interface MemberContext {
  key: string;
  channel: ControlChannel;
  nodeMap: NodeMap;
  tickFrequency: bigint;
  localAddress: string;
  payloadBytes: number;
  packetSize: number;
  settings: BandwidthOptions;
  onReport(report: BudgetReport): void;
  /** Handed on to the link budget as it is: a function, not a method of this object. */
  onError: (err: Error) => void;
}

const SCPD = Bootstrap.SC0 + StreamChannelRegister.SCPD;

async function readNumber(nodeMap: NodeMap, name: string): Promise<number | undefined> {
  if (!nodeMap.has(name)) return undefined;
  try {
    const v = await nodeMap.getValue(name);
    return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Joins the budget of the interface that holds `localAddress` and applies the plan (to this camera
 * and to those already streaming there). Returns how to leave it, or null when the interface is
 * not budgeted (loopback) or not known.
 */
export async function joinLinkBudget(c: MemberContext): Promise<(() => Promise<void>) | null> {
  const iface = listIPv4Interfaces().find((i) => i.address === c.localAddress);
  if (!iface || iface.internal) return null;
  const headroom = checkHeadroom(c.settings.headroom ?? DEFAULT_HEADROOM);
  let cameraMbps = 1000;
  try {
    if ((await c.channel.readRegister(Bootstrap.GVCP_CAPABILITY)) & GvcpCapability.LINK_SPEED) {
      cameraMbps = (await c.channel.readRegister(Bootstrap.LINK_SPEED)) || 1000;
    }
  } catch {
    // a camera without the register: GigE
  }
  const linkMbps = c.settings.linkSpeedMbps ?? (iface.speedMbps && iface.speedMbps > 0 ? iface.speedMbps : cameraMbps);
  const ownDelay = c.nodeMap.has('GevSCPD') ? await readNumber(c.nodeMap, 'GevSCPD') : await c.channel.readRegister(SCPD);
  const wantedRate = await readNumber(c.nodeMap, 'AcquisitionFrameRate');
  let maxDelayTicks: number | undefined;
  if (c.nodeMap.has('GevSCPD')) {
    const max = (await c.nodeMap.describe('GevSCPD').catch(() => undefined))?.max;
    if (max !== undefined) maxDelayTicks = Number(max);
  }
  const cameraBytes = cameraMbps * 125_000;
  const demand = {
    key: c.key,
    payloadBytes: c.payloadBytes,
    packetSize: c.packetSize,
    // Without a frame rate to read, the camera may fill its link.
    frameRate: wantedRate ?? cameraBytes / wireBytesPerFrame(c.payloadBytes, c.packetSize),
    cameraLinkBytesPerSecond: cameraBytes,
    delayTicksPerSecond: Number(c.tickFrequency) > 0 ? Number(c.tickFrequency) : 1e9,
    maxDelayTicks,
  };
  let loweredRate = false;
  const writeDelay = async (ticks: number): Promise<void> => {
    if (c.nodeMap.has('GevSCPD')) await c.nodeMap.setValue('GevSCPD', Math.round(ticks));
    else await c.channel.writeRegister(SCPD, Math.round(ticks) >>> 0);
  };
  await hostLinkBudgets.join(
    iface.name,
    { linkBytesPerSecond: linkMbps * 125_000, headroom },
    {
      demand,
      apply: async (allocation, plan) => {
        if (allocation) {
          // Lower the frame rate before the delay (a longer GevSCPD lowers the camera's maximum frame
          // rate, and a rate above the new maximum would be refused), raise it after.
          const limit = allocation.frameRateLimit;
          if (limit !== undefined && wantedRate !== undefined) {
            await setFrameRate(c.nodeMap, Math.min(wantedRate, limit));
            loweredRate = true;
          }
          await writeDelay(allocation.packetDelayTicks);
          if (limit === undefined && loweredRate && wantedRate !== undefined) {
            await setFrameRate(c.nodeMap, wantedRate);
            loweredRate = false;
          }
        } else {
          if (ownDelay !== undefined) await writeDelay(ownDelay);
          if (loweredRate && wantedRate !== undefined) await setFrameRate(c.nodeMap, wantedRate);
          loweredRate = false;
        }
        const description = allocation
          ? describePlan(plan, iface.name)
          : `${c.key} alone on ${iface.name}: wants ${(plan.demandBytesPerSecond / 1e6).toFixed(1)} MB/s of the link's ${(plan.usableBytesPerSecond / 1e6).toFixed(1)} MB/s; its own pacing kept`;
        c.onReport({ interfaceName: iface.name, plan, allocation, description });
      },
      onError: c.onError,
    },
  );
  return async () => {
    await hostLinkBudgets.leave(iface.name, c.key);
    // Back to the camera's own settings for the next acquisition (and for other applications).
    if (ownDelay !== undefined) await writeDelay(ownDelay).catch(() => undefined);
    if (loweredRate && wantedRate !== undefined) await setFrameRate(c.nodeMap, wantedRate).catch(() => undefined);
  };
}

/** AcquisitionFrameRate, at most the camera's maximum now (which GevSCPD and the image size move). */
async function setFrameRate(nodeMap: NodeMap, rate: number): Promise<void> {
  const max = (await nodeMap.describe('AcquisitionFrameRate').catch(() => undefined))?.max;
  await nodeMap.setValue('AcquisitionFrameRate', max === undefined ? rate : Math.min(rate, Number(max)));
}
