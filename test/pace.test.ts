/**
 * The loop's pacing arithmetic (src/worker/pace.ts) on times passed in: no clock,
 * no GPU, no timing asserts.
 */
import { describe, expect, it } from 'vitest';
import { CHUNK_MS, chunkSteps, FRAME_HZ, MAX_CHUNK, MeasureBudget, RateCap, StepClock } from '../src/worker/pace';

describe('StepClock', () => {
  it('times a submit from when the queue could start it', () => {
    const c = new StepClock();
    expect(Number.isNaN(c.msPerStep)).toBe(true);
    c.observe(0, 10, 100); // 10 steps in 100 ms
    expect(c.msPerStep).toBe(10);
    // submitted at 50 while the first was still running: its work starts at 100, not 50
    c.observe(50, 10, 200);
    expect(c.msPerStep).toBe(10);
  });

  it('follows a change of step cost (exponential average)', () => {
    const c = new StepClock();
    c.observe(0, 1, 10);
    let t = 10;
    for (let i = 0; i < 40; i++) {
      c.observe(t, 1, t + 50);
      t += 50;
    }
    expect(c.msPerStep).toBeCloseTo(50, 3);
  });
});

describe('chunkSteps', () => {
  it('probes with one step, then fills CHUNK_MS', () => {
    expect(chunkSteps(Number.NaN)).toBe(1);
    expect(chunkSteps(CHUNK_MS / 8)).toBe(8);
    expect(chunkSteps(3 * CHUNK_MS)).toBe(1); // a step longer than the chunk: one per submit
    expect(chunkSteps(1e-9)).toBe(MAX_CHUNK);
    expect(chunkSteps(0)).toBe(MAX_CHUNK);
  });
});

describe('RateCap', () => {
  it('allows stepsPerFrame steps per 1/FRAME_HZ s', () => {
    const cap = new RateCap(5);
    cap.restart(0);
    let total = 0;
    for (let t = 0; t <= 1000; t += 10) total += cap.take(t, 1000);
    expect(total).toBeGreaterThanOrEqual(5 * FRAME_HZ - 5);
    expect(total).toBeLessThanOrEqual(5 * FRAME_HZ);
  });

  it('never hands out more than asked, and says how long to wait', () => {
    const cap = new RateCap(1);
    cap.restart(0);
    expect(cap.take(0, 10)).toBe(0);
    expect(cap.waitMs()).toBeCloseTo(1000 / FRAME_HZ, 6);
    expect(cap.take(1000 / FRAME_HZ, 10)).toBe(1);
    expect(cap.take(10_000, 3)).toBe(3); // a long wait banks at most one chunk
    expect(cap.take(10_000, 3)).toBe(0);
  });

  it('a paused run banks nothing', () => {
    const cap = new RateCap(500);
    cap.restart(0);
    cap.restart(60_000);
    expect(cap.take(60_000, 1000)).toBe(0);
  });
});

describe('MeasureBudget', () => {
  it('holds measurements to their share of wall time', () => {
    const b = new MeasureBudget(0.2);
    expect(b.allow(0)).toBe(true);
    b.start(0);
    b.done(100); // a 100 ms measurement: the next may start 400 ms after it ended
    expect(b.lastMs).toBe(100);
    expect(b.allow(499)).toBe(false);
    expect(b.allow(500)).toBe(true);
  });

  it('a done without a start changes nothing', () => {
    const b = new MeasureBudget(0.2);
    b.done(50);
    expect(b.allow(0)).toBe(true);
    expect(b.lastMs).toBe(0);
  });
});
