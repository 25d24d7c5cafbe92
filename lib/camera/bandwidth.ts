/**
 * Several cameras streaming into one host interface share its link: each camera sends a frame as a
 * burst at its own link speed, so two 1 Gbit/s cameras bursting at once into one 1 Gbit/s port
 * overflow the switch's queue and lose packets even when their average rates fit. The budget
 * spreads each camera's frames over time (GevSCPD, the gap after each packet) so that the sum of
 * their burst rates fits the link with headroom, and — when even the average rates do not fit —
 * lowers frame rates (AcquisitionFrameRate) to each camera's share, and says so.
 *
 *   wire(frame)  = Σ over its packets of (IP datagram + 38 bytes of Ethernet framing, preamble, gap)
 *   demand_i     = wire_i × frameRate_i                      usable = link × (1 − headroom)
 *   share_i      = usable × demand_i / Σ demand               (≥ demand_i when everything fits)
 *   packet period_i = (packetSize_i + 38) / share_i;  GevSCPD_i = period_i − (packetSize_i + 38) / cameraLink_i
 *
 * `planBandwidth` is that arithmetic; `HostLinkBudgets` keeps, per host interface, the cameras
 * streaming into it in this process and re-plans when one starts or stops. A loopback interface has
 * no wire to share and is not budgeted.
 */
import { GigeError } from '../errors';

/** Ethernet header + FCS + preamble + inter-frame gap around every IP datagram on the wire. */
export const ETHERNET_FRAMING_BYTES = 38;
/** IP + UDP + GVSP (standard ids) headers in every GVSP packet. */
const GVSP_PACKET_HEADERS = 36;
/** Leader and trailer datagrams, generously (their size depends on the payload type). */
const LEADER_TRAILER_BYTES = 2 * 100;

export interface StreamDemand {
  /** Identifies the camera (its address). */
  key: string;
  payloadBytes: number;
  /** GevSCPSPacketSize: IP datagram bytes. */
  packetSize: number;
  /** Frames per second the camera is set to (AcquisitionFrameRate). */
  frameRate: number;
  /** The camera's own link, bytes/s (1 Gbit/s: 125e6). */
  cameraLinkBytesPerSecond: number;
  /** GevSCPD units per second (the timestamp tick frequency; 1e9 when SCPD counts ns). */
  delayTicksPerSecond: number;
  /** Largest GevSCPD the camera takes (its feature's maximum), if known. */
  maxDelayTicks?: number;
}

export interface StreamAllocation {
  key: string;
  wireBytesPerFrame: number;
  demandBytesPerSecond: number;
  shareBytesPerSecond: number;
  /** GevSCPD to set. */
  packetDelayTicks: number;
  /** The frame rate the camera must be lowered to, when its demand does not fit its share. */
  frameRateLimit?: number;
}

export interface BandwidthPlan {
  linkBytesPerSecond: number;
  headroom: number;
  usableBytesPerSecond: number;
  demandBytesPerSecond: number;
  fits: boolean;
  allocations: StreamAllocation[];
}

export function wireBytesPerFrame(payloadBytes: number, packetSize: number): number {
  const dataPerPacket = Math.max(1, packetSize - GVSP_PACKET_HEADERS);
  const packets = Math.ceil(payloadBytes / dataPerPacket);
  return payloadBytes + packets * (GVSP_PACKET_HEADERS + ETHERNET_FRAMING_BYTES) + LEADER_TRAILER_BYTES + 2 * ETHERNET_FRAMING_BYTES;
}

/** Share of a host link the budget leaves free unless told otherwise (resends, other traffic). */
export const DEFAULT_HEADROOM = 0.1;
/** The largest share it may leave free: more would starve the cameras it plans for. */
export const MAX_HEADROOM = 0.9;

/** Refuses a headroom outside 0 … MAX_HEADROOM, saying what is allowed. */
export function checkHeadroom(headroom: number): number {
  if (!(headroom >= 0 && headroom <= MAX_HEADROOM))
    throw new GigeError('OUT_OF_RANGE', `bandwidth headroom ${headroom} is not allowed; allowed 0 … ${MAX_HEADROOM}`, { headroom });
  return headroom;
}

export function planBandwidth(demands: StreamDemand[], link: { linkBytesPerSecond: number; headroom: number }): BandwidthPlan {
  if (!(link.linkBytesPerSecond > 0))
    throw new GigeError('INVALID_ARGUMENT', `link speed ${link.linkBytesPerSecond} B/s is not positive`, {});
  checkHeadroom(link.headroom);
  const usable = link.linkBytesPerSecond * (1 - link.headroom);
  const wires = demands.map((d) => wireBytesPerFrame(d.payloadBytes, d.packetSize));
  const rates = demands.map((d, i) => wires[i] * Math.max(0, d.frameRate));
  const total = rates.reduce((a, b) => a + b, 0);
  const fits = total <= usable;
  const allocations = demands.map((d, i): StreamAllocation => {
    // Shares in proportion to demand; a camera that wants nothing still gets an equal slice.
    const share = total > 0 ? usable * (rates[i] / total) : usable / demands.length;
    const perPacket = d.packetSize + ETHERNET_FRAMING_BYTES;
    const period = perPacket / share;
    const ownTime = perPacket / d.cameraLinkBytesPerSecond;
    let ticks = Math.max(0, Math.floor((period - ownTime) * d.delayTicksPerSecond));
    if (d.maxDelayTicks !== undefined) ticks = Math.min(ticks, d.maxDelayTicks);
    const allocation: StreamAllocation = {
      key: d.key,
      wireBytesPerFrame: wires[i],
      demandBytesPerSecond: rates[i],
      shareBytesPerSecond: share,
      packetDelayTicks: ticks,
    };
    if (rates[i] > share * (1 + 1e-9)) allocation.frameRateLimit = Math.floor((share / wires[i]) * 100) / 100;
    return allocation;
  });
  return {
    linkBytesPerSecond: link.linkBytesPerSecond,
    headroom: link.headroom,
    usableBytesPerSecond: usable,
    demandBytesPerSecond: total,
    fits,
    allocations,
  };
}

/** "2 cameras want 212 MB/s; the link carries 112 MB/s with 10 % headroom" and what was done. */
export function describePlan(plan: BandwidthPlan, interfaceName: string): string {
  const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB/s`;
  const head =
    `${plan.allocations.length} camera(s) on ${interfaceName} want ${mb(plan.demandBytesPerSecond)}; ` +
    `the link carries ${mb(plan.usableBytesPerSecond)} with ${Math.round(plan.headroom * 100)} % headroom`;
  const each = plan.allocations.map(
    (a) =>
      `${a.key}: ${mb(a.shareBytesPerSecond)}, GevSCPD ${a.packetDelayTicks}` +
      (a.frameRateLimit !== undefined ? `, frame rate lowered to ${a.frameRateLimit} fps` : ''),
  );
  return `${head}${plan.fits ? '' : ' — it does not fit'}: ${each.join('; ')}`;
}

/** A camera streaming into an interface, as the budget sees it. */
export interface BudgetMember {
  demand: StreamDemand;
  /** Applies this camera's allocation (GevSCPD, frame rate); `undefined` restores what it had before. */
  apply(allocation: StreamAllocation | undefined, plan: BandwidthPlan): Promise<void>;
  /** A re-plan caused by another camera could not be applied to this one. */
  onError?(err: Error): void;
}

interface LinkState {
  linkBytesPerSecond: number;
  headroom: number;
  members: Map<string, BudgetMember>;
  /** Re-plans run one after another. */
  chain: Promise<unknown>;
}

/**
 * The cameras of this process per host interface. `join` plans the interface again and applies
 * every member's allocation (the joining camera's before it starts streaming); `leave` re-plans
 * the rest, and a camera alone on its link gets its own settings back unless it alone does not fit.
 */
export class HostLinkBudgets {
  private readonly links = new Map<string, LinkState>();

  async join(interfaceName: string, link: { linkBytesPerSecond: number; headroom: number }, member: BudgetMember): Promise<BandwidthPlan> {
    let state = this.links.get(interfaceName);
    if (!state) {
      state = { ...link, members: new Map(), chain: Promise.resolve() };
      this.links.set(interfaceName, state);
    }
    // The slowest link anybody names wins: a 1 Gbit/s camera link on a 10 Gbit/s NIC still shares 1 Gbit/s upstream.
    state.linkBytesPerSecond = Math.min(state.linkBytesPerSecond, link.linkBytesPerSecond);
    state.headroom = Math.max(state.headroom, link.headroom);
    state.members.set(member.demand.key, member);
    const { plan, failures } = await this.replan(state, member.demand.key);
    const own = failures.get(member.demand.key);
    if (own) throw own;
    return plan;
  }

  async leave(interfaceName: string, key: string): Promise<void> {
    const state = this.links.get(interfaceName);
    if (!state || !state.members.delete(key)) return;
    if (state.members.size === 0) {
      this.links.delete(interfaceName);
      return;
    }
    await this.replan(state);
  }

  /** The plan for an interface now (null when nobody streams into it). */
  plan(interfaceName: string): BandwidthPlan | null {
    const state = this.links.get(interfaceName);
    return state
      ? planBandwidth(
          [...state.members.values()].map((m) => m.demand),
          state,
        )
      : null;
  }

  /** Plans and applies to every member; never rejects (each member's failure is its own). */
  private replan(state: LinkState, initiator?: string): Promise<{ plan: BandwidthPlan; failures: Map<string, Error> }> {
    const run = state.chain.then(async () => {
      const members = [...state.members.values()];
      const plan = planBandwidth(
        members.map((m) => m.demand),
        state,
      );
      const alone = members.length === 1 && plan.fits;
      const failures = new Map<string, Error>();
      for (const member of members) {
        const allocation = plan.allocations.find((a) => a.key === member.demand.key);
        // One camera that fits has the link to itself: it keeps its own pacing.
        await member.apply(alone ? undefined : allocation, plan).catch((err: Error) => {
          failures.set(member.demand.key, err);
        });
      }
      return { plan, failures };
    });
    state.chain = run;
    return run.then((result) => {
      for (const [key, err] of result.failures) {
        if (key === initiator) continue; // the joining camera hears it from join()
        const member = state.members.get(key);
        try {
          member?.onError?.(err);
        } catch {
          // a reporting callback must not break the budget
        }
      }
      return result;
    });
  }
}

/** The budgets of this process. */
export const hostLinkBudgets = new HostLinkBudgets();
