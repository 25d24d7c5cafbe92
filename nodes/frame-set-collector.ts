/**
 * Gathers the frames of one multi-frame set (manual 5.11; frames carry `set = {id, index, count}`)
 * so that a grab node can send a whole set as one message, its frames in the order the camera
 * exposed them. A set that cannot be completed — a member lost, or the next set begins first — is
 * given up, and its frames counted as dropped; a frame outside any set (multi-frame output off) is
 * a set of one.
 *
 * The collector holds its own hold on each frame (taken by `hold`, e.g. share() or detach()) and
 * releases the frames of a set it gives up.
 */
import type { CameraFrame } from '../lib/camera/camera';

export interface CollectedSet {
  /** null for a frame outside any set */
  id: number | null;
  count: number;
  frames: CameraFrame[];
}

export class FrameSetCollector {
  private current: { id: number; count: number; frames: Array<CameraFrame | undefined> } | null = null;
  /** Frames of sets given up, in all. */
  dropped = 0;

  constructor(private readonly hold: (frame: CameraFrame) => CameraFrame) {}

  /** Adds a frame (during its event); returns the set it completes, if any. */
  add(frame: CameraFrame): CollectedSet | null {
    const set = frame.set;
    if (!set) {
      this.giveUp();
      return { id: null, count: 1, frames: [this.hold(frame)] };
    }
    if (this.current && this.current.id !== set.id) this.giveUp();
    if (!this.current) {
      // A set whose start was missed (joined late, or its first member lost) cannot be completed.
      if (set.index !== 0) {
        this.dropped += 1;
        return null;
      }
      // Filled, not sparse: some() and every() skip the holes of a sparse array.
      this.current = { id: set.id, count: set.count, frames: new Array<CameraFrame | undefined>(set.count).fill(undefined) };
    }
    if (this.current.frames[set.index] !== undefined) return null; // a duplicate: keep the first
    this.current.frames[set.index] = this.hold(frame);
    if (this.current.frames.some((f) => f === undefined)) return null;
    const complete = { id: this.current.id, count: this.current.count, frames: this.current.frames as CameraFrame[] };
    this.current = null;
    return complete;
  }

  /** Releases what is held (the node stops or closes). */
  clear(): void {
    this.giveUp();
  }

  private giveUp(): void {
    const current = this.current;
    this.current = null;
    if (!current) return;
    for (const frame of current.frames) {
      if (!frame) continue;
      this.dropped += 1;
      frame.release();
    }
  }
}
