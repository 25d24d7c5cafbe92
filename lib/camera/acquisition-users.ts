import { GigeError } from '../errors';

/**
 * How a user takes frames from a shared camera. A camera has one acquisition mode at a time:
 * - `free-running`: every frame the camera sends (a continuous grab). It leaves the trigger
 *   settings alone — the frames may be free-running or hardware-triggered.
 * - `software-trigger`: one frame per TriggerSoftware; the camera is put in software-trigger mode,
 *   which stops a free-running stream for everyone.
 * - `any`: the next frame of whatever the camera does (a "next frame" grab); shares with both.
 * So a software-trigger user and a free-running user cannot share a camera: the second one is
 * refused with the first one's name, instead of one of them silently getting no frames.
 */
export type AcquisitionMode = 'free-running' | 'software-trigger' | 'any';

/** Told when something this user asked for failed (its events could not be enabled, acquisition did not start). */
export type UserErrorHandler = (err: Error) => void;

export interface AcquisitionRequest {
  mode?: AcquisitionMode;
  /** Who asks, as users should read it in an error (e.g. `gige-grab "line 3" (a1b2c3)`). */
  owner?: string;
}

interface AcquisitionUser {
  onError: UserErrorHandler;
  mode: AcquisitionMode;
  owner: string;
}

const DESCRIBED: Record<AcquisitionMode, string> = {
  'free-running': 'takes every frame (continuous)',
  'software-trigger': 'triggers each frame by software (TriggerMode=On, TriggerSource=Software)',
  any: 'takes the next frame',
};

export class AcquisitionUsers {
  private readonly users = new Map<string, AcquisitionUser>();

  constructor(private readonly address: string) {}

  get size(): number {
    return this.users.size;
  }

  /** Whether some user triggers by software (the camera must be in software-trigger mode). */
  get softwareTrigger(): boolean {
    return [...this.users.values()].some((u) => u.mode === 'software-trigger');
  }

  errorHandlers(): UserErrorHandler[] {
    return [...this.users.values()].map((u) => u.onError);
  }

  /** Registers (or updates) a user; refuses one whose mode conflicts with another user's, naming it. */
  add(userId: string, onError: UserErrorHandler, request: AcquisitionRequest = {}): void {
    const mode = request.mode ?? 'any';
    const owner = request.owner ?? userId;
    for (const [otherId, other] of this.users) {
      if (otherId === userId || !conflicting(mode, other.mode)) continue;
      throw new GigeError(
        'ACQUISITION_CONFLICT',
        `Camera ${this.address} is already used by ${other.owner}, which ${DESCRIBED[other.mode]}; ` +
          `${owner} ${DESCRIBED[mode]} — one acquisition mode per camera. Use a "next frame" grab beside a continuous one, ` +
          'trigger grabs only beside other trigger grabs, or give each mode its own camera.',
        {
          address: this.address,
          mode,
          otherMode: other.mode,
          other: other.owner,
        },
      );
    }
    this.users.set(userId, { onError, mode, owner });
  }

  delete(userId: string): boolean {
    return this.users.delete(userId);
  }
}

function conflicting(a: AcquisitionMode, b: AcquisitionMode): boolean {
  return (a === 'free-running' && b === 'software-trigger') || (a === 'software-trigger' && b === 'free-running');
}
