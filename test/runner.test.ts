/**
 * The training worker's loop (src/worker/runner.ts) on the CPU reference: divergence
 * pauses and restores, resets while playing never hit a half-built run, and a bad
 * message is refused by the protocol check.
 */
import { describe, expect, it } from 'vitest';
import { presetConfig } from '../src/config/presets';
import type { RunConfig } from '../src/config/settings';
import type { WorkerEvent } from '../src/worker/protocol';
import { Runner } from '../src/worker/runner';

const tiny = (over: Partial<RunConfig> = {}): RunConfig => ({ ...presetConfig('tiny')!, p: 7, train: 0.6, embed: 4, width: 8, evalEvery: 2, instrumentEvery: 0, ...over });

function harness() {
  const events: WorkerEvent[] = [];
  const runner = new Runner((e) => events.push(e));
  const waitFor = async <T extends WorkerEvent['type']>(type: T, timeoutMs = 20_000): Promise<Extract<WorkerEvent, { type: T }>> => {
    const t0 = Date.now();
    for (;;) {
      const e = events.find((x) => x.type === type);
      if (e) return e as Extract<WorkerEvent, { type: T }>;
      if (Date.now() - t0 > timeoutMs) throw new Error(`no ${type} event; got ${events.map((x) => x.type).join(', ')}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return { events, runner, waitFor };
}

describe('runner', () => {
  it('lr = 1e6: the first flagged row pauses training; restore goes back with lr ÷ 10 and records it', async () => {
    const { events, runner, waitFor } = harness();
    await runner.handle({ type: 'init', config: tiny({ lr: 1e6 }), compare: false, forceCpu: 'test: CPU reference' });
    await runner.handle({ type: 'play' });
    const d = await waitFor('diverged');
    expect(d.lr).toBe(1e6);
    expect(d.restoreLr).toBeCloseTo(1e5, 0);
    // paused: no more steps are taken
    const lastSnap = () => events.filter((e): e is Extract<WorkerEvent, { type: 'snapshot' }> => e.type === 'snapshot').pop()!;
    await new Promise((r) => setTimeout(r, 200));
    const pausedAt = lastSnap();
    expect(pausedAt.playing).toBe(false);
    expect(pausedAt.step).toBeGreaterThanOrEqual(d.step);
    await new Promise((r) => setTimeout(r, 300));
    expect(lastSnap().step).toBe(pausedAt.step);
    await runner.handle({ type: 'restore', lrFactor: 0.1 });
    const r = await waitFor('restored');
    expect(r.reason).toBe('diverged');
    expect(r.config.lr).toBeCloseTo(1e5, 0);
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
  });

  it('50 resets taken while playing never touch emptied lanes', async () => {
    const { events, runner } = harness();
    await runner.handle({ type: 'init', config: tiny(), compare: false, forceCpu: 'test: CPU reference' });
    await runner.handle({ type: 'play' });
    for (let i = 0; i < 50; i++) {
      const reset = runner.handle({ type: 'reset', config: tiny({ seed: 1 + (i % 3) }) });
      await runner.handle({ type: 'play' });
      await new Promise((r) => setTimeout(r, i % 5));
      await reset;
    }
    await runner.handle({ type: 'pause' });
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
    expect(events.filter((e) => e.type === 'ready')).toHaveLength(51);
  });

  it('a lost device without a GPU is refused by name (the CPU reference has none to lose)', async () => {
    const { events, runner, waitFor } = harness();
    await runner.handle({ type: 'init', config: tiny(), compare: false, forceCpu: 'test: CPU reference' });
    await runner.handle({ type: 'loseDevice' });
    const e = await waitFor('error');
    expect(e.message).toMatch(/no GPU device to lose/);
    expect(events.filter((x) => x.type === 'restored')).toEqual([]);
  });
});
