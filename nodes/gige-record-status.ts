/**
 * The status of gige-record and gige-frame-set: at most one update per interval reaches the
 * editor (per-frame updates would flood its websocket), the last one wins, and nothing is shown
 * after the node closed (a write finishing late must not leave a timer behind).
 */
import type { Node, NodeStatus } from 'node-red';

export class ThrottledStatus {
  private latest: NodeStatus | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastSent = 0;
  private stopped = false;

  constructor(
    private readonly node: Node,
    private readonly intervalMs = 1000,
  ) {}

  update(status: NodeStatus): void {
    if (this.stopped) return;
    this.latest = status;
    if (this.timer) return;
    const wait = Math.max(0, this.lastSent + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.lastSent = Date.now();
      if (this.latest) this.node.status(this.latest);
    }, wait);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
