/**
 * The simulated TRIGGER_IN line (manual 3.1.1, 5.4–5.6). Tests, flows and the CLI drive its
 * electrical level — now, or as pulses at exact future device times — and the camera filters it as
 * the manual describes, in this order, for each edge in time order:
 *
 *   - Line1RisingEdge / Line1FallingEdge events for every change of level;
 *   - an *activating* edge (rising for TriggerActivation RisingEdge, falling for FallingEdge)
 *     counts only if the line was inactive for at least TriggerDebouncer before it;
 *   - it becomes a trigger only if the line then stays active for TriggerDenoise: the trigger time
 *     is edge + TriggerDenoise (edge itself when 0);
 *   - a trigger within TriggerMask of the previously accepted trigger is ignored;
 *   - the acquisition engine adds TriggerDelay and decides whether the sensor can take it.
 *
 * GPIIn reads the line inverted, as printed in the manual (True when the line is low).
 */
import { Timeline, TimelineTimer } from './timeline';

export interface LineFilter {
  activeHigh: boolean;
  debounceNs: bigint;
  denoiseNs: bigint;
  maskNs: bigint;
}

export interface TriggerInputHost {
  now(): bigint;
  filter(): LineFilter;
  edge(rising: boolean, time: bigint): void;
  trigger(time: bigint): void;
}

export interface PulseOptions {
  /** Pulse width, µs (> 0). */
  widthUs: number;
  /** Number of pulses (1 … 10000, default 1). */
  count?: number;
  /** Period between pulse starts, µs (> widthUs; needed when count > 1). */
  periodUs?: number;
  /** Delay before the first pulse, µs (default 0). */
  delayUs?: number;
  /** Level during the pulse: true = high (default), false = a low-going pulse. */
  high?: boolean;
}

interface Edge {
  time: bigint;
  level: boolean;
}

const MAX_PULSES = 10000;
const MAX_QUEUED_EDGES = 2 * MAX_PULSES;

export class TriggerInput {
  private level = false;
  private readonly queue: Edge[] = [];
  private timer: TimelineTimer | null = null;
  /** When the line last became inactive (for the debouncer); far in the past at power-up. */
  private inactiveSince = -(1n << 62n);
  /** Denoise: the time at which the current activation becomes a trigger if the line stays active. */
  private candidate: bigint | null = null;
  private candidateTimer: TimelineTimer | null = null;
  private maskUntil = -(1n << 62n);
  readonly stats = { edges: 0, triggers: 0, filtered: 0, masked: 0 };

  constructor(
    private readonly host: TriggerInputHost,
    private readonly timeline: Timeline,
  ) {}

  /** Electrical level now (after every edge up to now has been processed). */
  get high(): boolean {
    this.process();
    return this.level;
  }

  /** The time after which new edges may be queued (the last queued edge, or now). */
  private horizon(): bigint {
    const now = this.host.now();
    const last = this.queue.length ? this.queue[this.queue.length - 1].time : now;
    return last > now ? last : now;
  }

  setLevel(high: boolean): bigint {
    const time = this.horizon();
    this.enqueue([{ time, level: high }]);
    return time;
  }

  /** Queues pulses after any already queued; returns the device times of the first and last edge. */
  pulse(options: PulseOptions): { start: bigint; end: bigint } {
    const count = options.count ?? 1;
    const high = options.high ?? true;
    if (!(options.widthUs > 0)) throw new RangeError(`pulse width ${options.widthUs} µs is not allowed; allowed > 0 µs`);
    if (!Number.isInteger(count) || count < 1 || count > MAX_PULSES)
      throw new RangeError(`pulse count ${count} is not allowed; allowed 1 … ${MAX_PULSES}`);
    const periodUs = options.periodUs ?? options.widthUs * 2;
    if (count > 1 && !(periodUs > options.widthUs))
      throw new RangeError(`pulse period ${periodUs} µs must be longer than the width ${options.widthUs} µs`);
    const delayUs = options.delayUs ?? 0;
    if (!(delayUs >= 0)) throw new RangeError(`pulse delay ${delayUs} µs is not allowed; allowed ≥ 0`);
    if (this.queue.length + 2 * count > MAX_QUEUED_EDGES)
      throw new RangeError(`too many queued TRIGGER_IN edges (limit ${MAX_QUEUED_EDGES}); wait for the queued pulses to pass`);
    const base = this.horizon() + BigInt(Math.round(delayUs * 1000));
    const edges: Edge[] = [];
    const idle = !high;
    if (this.queue.length ? this.queue[this.queue.length - 1].level !== idle : this.level !== idle) edges.push({ time: base, level: idle });
    for (let i = 0; i < count; i += 1) {
      const start = base + BigInt(Math.round(i * periodUs * 1000)) + (edges.length && i === 0 ? 1n : 0n);
      edges.push({ time: start, level: high }, { time: start + BigInt(Math.round(options.widthUs * 1000)), level: idle });
    }
    this.enqueue(edges);
    return { start: edges[0].time, end: edges[edges.length - 1].time };
  }

  private enqueue(edges: Edge[]): void {
    this.queue.push(...edges);
    this.schedule();
  }

  private schedule(): void {
    this.timeline.cancel(this.timer);
    this.timer = null;
    if (!this.queue.length) return;
    this.timer = this.timeline.at(this.queue[0].time, () => {
      this.timer = null;
      this.process();
      this.schedule();
    });
  }

  /** Applies every queued edge whose time has come (or up to `limit`). */
  process(limit: bigint = this.host.now()): void {
    while (this.queue.length && this.queue[0].time <= limit) {
      const edge = this.queue.shift() as Edge;
      this.apply(edge);
    }
  }

  private apply(edge: Edge): void {
    if (edge.level === this.level) return;
    const f = this.host.filter();
    // A pending candidate that stayed active until its denoise time is a trigger, even if the
    // timer that checks it has not run yet.
    if (this.candidate !== null && edge.time >= this.candidate) this.acceptCandidate(f);
    this.level = edge.level;
    this.stats.edges += 1;
    this.host.edge(edge.level, edge.time);
    const active = edge.level === f.activeHigh;
    if (!active) {
      this.inactiveSince = edge.time;
      if (this.candidate !== null) {
        this.stats.filtered += 1; // released before the denoise time: noise
        this.dropCandidate();
      }
      return;
    }
    if (edge.time - this.inactiveSince < f.debounceNs) {
      this.stats.filtered += 1;
      return;
    }
    if (f.denoiseNs === 0n) {
      this.accept(edge.time, f);
      return;
    }
    const due = edge.time + f.denoiseNs;
    this.candidate = due;
    this.candidateTimer = this.timeline.at(due, () => {
      this.candidateTimer = null;
      this.process(due);
      if (this.candidate === due && this.level === f.activeHigh) this.acceptCandidate(f);
    });
  }

  private acceptCandidate(f: LineFilter): void {
    const due = this.candidate as bigint;
    this.dropCandidate();
    this.accept(due, f);
  }

  private dropCandidate(): void {
    this.candidate = null;
    this.timeline.cancel(this.candidateTimer);
    this.candidateTimer = null;
  }

  private accept(time: bigint, f: LineFilter): void {
    if (time < this.maskUntil) {
      this.stats.masked += 1;
      return;
    }
    this.maskUntil = time + f.maskNs;
    this.stats.triggers += 1;
    this.host.trigger(time);
  }
}
