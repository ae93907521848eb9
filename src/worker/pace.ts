/**
 * How many steps the training loop submits at once, and when. Two limits:
 *
 * - responsiveness: one submit holds about CHUNK_MS of work, measured on this
 *   adapter (StepClock), so with at most two submits queued the page hears from the
 *   worker — and a pause or reset lands — within ~100 ms, whatever the speed;
 * - the speed setting: "steps per frame" caps the rate at stepsPerFrame steps per
 *   60 Hz animation frame (a token bucket), so low speeds slow the run down and high
 *   speeds let the adapter run flat out.
 *
 * Pure arithmetic on times passed in (no clock of its own), so it is tested without
 * a GPU or timers (test/pace.test.ts).
 */

/** GPU (or CPU) work one submit should hold, ms: two in flight stay under the 100 ms answer budget */
export const CHUNK_MS = 40;
/** a chunk never exceeds this many steps (bounds the encode time of one submit) */
export const MAX_CHUNK = 1000;
/** frames per second the speed setting refers to ("steps per animation frame") */
export const FRAME_HZ = 60;
/** weight of the newest sample in the step-time average */
const EMA = 0.3;

/**
 * Time per step on one trainer, from completed submits. A submit's work starts when
 * it was submitted or when the previous one finished, whichever is later (the queue
 * runs them in order), and ends when the queue reports it done.
 */
export class StepClock {
  /** ms per step (NaN until the first submit completes) */
  msPerStep = Number.NaN;
  private lastDoneAt = Number.NEGATIVE_INFINITY;

  observe(submittedAt: number, steps: number, doneAt: number): void {
    if (steps <= 0) return;
    const start = Math.max(submittedAt, this.lastDoneAt);
    this.lastDoneAt = doneAt;
    const ms = Math.max(0, doneAt - start) / steps;
    this.msPerStep = Number.isFinite(this.msPerStep) ? (1 - EMA) * this.msPerStep + EMA * ms : ms;
  }
}

/**
 * Steps per submit so that one submit holds about CHUNK_MS of work; msPerStep is
 * the lock-step cost (all lanes). Unknown cost: one step, to measure it.
 */
export function chunkSteps(msPerStep: number): number {
  if (!Number.isFinite(msPerStep)) return 1;
  if (msPerStep <= 0) return MAX_CHUNK;
  return Math.max(1, Math.min(MAX_CHUNK, Math.floor(CHUNK_MS / msPerStep)));
}

/** The speed cap: stepsPerFrame steps per 1/FRAME_HZ s, as a token bucket. */
export class RateCap {
  private tokens = 0;
  private last = Number.NaN;

  constructor(public stepsPerFrame: number) {}

  /** steps per second allowed */
  get rate(): number {
    return this.stepsPerFrame * FRAME_HZ;
  }

  /** restarts the bucket (on play): a paused run does not bank steps */
  restart(now: number): void {
    this.tokens = 0;
    this.last = now;
  }

  /** up to `want` steps allowed now (taken from the bucket) */
  take(now: number, want: number): number {
    if (!Number.isFinite(this.last)) this.last = now;
    // the bucket holds at most one chunk or one frame's worth, so a stall does not turn into a burst
    this.tokens = Math.min(this.tokens + ((now - this.last) * this.rate) / 1000, Math.max(want, this.stepsPerFrame));
    this.last = now;
    const n = Math.max(0, Math.min(want, Math.floor(this.tokens)));
    this.tokens -= n;
    return n;
  }

  /** ms until one step is allowed */
  waitMs(): number {
    return Math.max(0, ((1 - this.tokens) * 1000) / this.rate);
  }
}

/** the instruments' share of wall time the loop allows at most (the issue's bound: 20%) */
export const INSTRUMENT_SHARE = 0.2;

/**
 * Cadence control for the theory instruments: a measurement that took c ms (from
 * reading the state to the instrument worker's answer) is followed by at least
 * c·(1 − share)/share ms without one, so measurements hold at most `share` of wall
 * time whatever they cost on this machine; a multiple of r that arrives sooner is
 * skipped (counted with the others in the snapshot's instrumentSkips). Cheap
 * measurements are never held back: r is the cadence then.
 */
export class MeasureBudget {
  private freeAt = Number.NEGATIVE_INFINITY;
  startedAt = Number.NaN;
  /** the last measurement's cost, ms */
  lastMs = 0;

  constructor(readonly share = INSTRUMENT_SHARE) {}

  allow(now: number): boolean {
    return now >= this.freeAt;
  }

  start(now: number): void {
    this.startedAt = now;
  }

  done(now: number): void {
    if (!Number.isFinite(this.startedAt)) return;
    this.lastMs = now - this.startedAt;
    this.startedAt = Number.NaN;
    this.freeAt = now + (this.lastMs * (1 - this.share)) / this.share;
  }
}
