/**
 * The `grokscope` command as a user runs it: the real binary, Dawn, the run file.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { presetConfig } from '../src/config/presets';
import { initParams, modelLayout } from '../src/model/layout';
import { parseRunFile } from '../src/model/runfile';

const run = (args: string[], env: Record<string, string> = {}) => spawnSync(process.execPath, ['bin/grokscope.mjs', ...args], { encoding: 'utf8', timeout: 600_000, env: { ...process.env, ...env } });
const dir = mkdtempSync(join(tmpdir(), 'grokscope-cli-'));

describe('grokscope CLI', () => {
  it('rejects bad settings with exit code 2, naming every bad flag', () => {
    const r = run(['train', '--p', '12', '--width', '0', '--train', '1.5', '--opt', 'rmsprop']);
    expect(r.status).toBe(2);
    for (const flag of ['--p', '--width', '--train', '--opt']) expect(r.stderr).toContain(flag);
    expect(r.stderr).toContain('not prime');
  });

  it('rejects unknown flags and commands', () => {
    expect(run(['train', '--colour', 'red']).status).toBe(2);
    expect(run(['fly']).status).toBe(2);
  });

  it('--help lists every setting with its range', () => {
    const r = run(['--help']);
    expect(r.status).toBe(0);
    for (const s of ['--task', 'add|sub|mul|div', '--p', '[5, 113]', '--eval-every', '--gate', 'exact-hard']) expect(r.stdout).toContain(s);
  });

  it('--steps 0 writes the initial weights, loadable and equal to the seeded init', () => {
    const out = join(dir, 'init.json');
    const r = run(['train', '--preset', 'tiny', '--steps', '0', '--out', out, '--quiet']);
    expect(r.status, r.stderr).toBe(0);
    const parsed = parseRunFile(readFileSync(out, 'utf8'));
    const cfg = presetConfig('tiny')!;
    expect(parsed.config.p).toBe(cfg.p);
    expect(Array.from(parsed.state.params)).toEqual(Array.from(initParams(modelLayout(cfg), cfg.seed)));
  });

  it('tiny preset: memorises (100% train) and then generalises (≥ 95% held-out), writing run file and CSV', () => {
    const out = join(dir, 'tiny.json');
    const csv = join(dir, 'tiny.csv');
    const r = run(['train', '--preset', 'tiny', '--steps', '1500', '--stop-at', '0.95', '--out', out, '--csv', csv, '--quiet']);
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    console.log(`tiny preset on ${summary.adapter}: train 99% at ${summary.stepsToTrain99}, held-out 95% at ${summary.stepsToTest95}, ${summary.stepsPerSec} steps/s`);
    expect(summary.stepsToTrain99).not.toBeNull();
    expect(summary.stepsToTest95).not.toBeNull();
    // grokking: held-out accuracy arrives well after memorisation
    expect(summary.stepsToTest95).toBeGreaterThan(3 * summary.stepsToTrain99);
    const file = parseRunFile(readFileSync(out, 'utf8'));
    expect(file.step).toBe(summary.steps);
    expect(file.metrics[file.metrics.length - 1].testAcc).toBeGreaterThanOrEqual(0.95);
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('step,trainLoss,trainAcc,testLoss,testAcc,trainMse,testMse,flippedAcc,gateOpen');
    expect(lines.length).toBe(file.metrics.length + 1);
  });

  it('refuses hostile flag values by name before touching the GPU', () => {
    for (const [args, flag] of [
      [['train', '--p', '0x17'], '--p'],
      [['train', '--beta2', '0.99999999999'], '--beta2'],
      [['train', '--lr', '1e-320'], '--lr'],
      [['sweep', '--lrs', '1e9'], '--lrs'],
      [['bench', '--sizes', '__proto__'], '--sizes'],
      [['train', '--out', '/proc/nope/run.json'], '--out'],
      [['train', '--whole-gramian', '40'], '--whole-gramian'],
      [['train', '--instruments', '--whole-gramian', '40', '--whole-gramian-at', '400,x'], '--whole-gramian-at'],
      [['train', '--instruments', '--gramian-rows', '1'], '--gramian-rows'],
    ] as const) {
      const r = run([...args]);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(flag);
    }
  });

  it('a lost device mid-run is rebuilt from the in-memory checkpoint and the run completes', () => {
    const out = join(dir, 'lost.json');
    const r = run(['train', '--preset', 'tiny', '--steps', '300', '--eval-every', '10', '--out', out, '--quiet'], { GROKSCOPE_FAULT_LOSE_DEVICE_AT: '150' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/GPU device lost.*rebuilding on a fresh device from the checkpoint at step \d+/);
    const summary = JSON.parse(r.stdout);
    expect(summary.recoveries).toBe(1);
    const file = parseRunFile(readFileSync(out, 'utf8'));
    expect(file.step).toBe(300);
    // the history is continuous: one row per evaluation, no gap or repeat across the recovery
    expect(file.metrics.map((m) => m.step)).toEqual(Array.from({ length: 30 }, (_, i) => 10 * (i + 1)));
  });

  it('--whole-gramian-at: the matrix-free whole-set W̄ reading lands in the run file at the steps asked for, and only there', () => {
    const out = join(dir, 'whole.json');
    // a sub-probe of 12 rows forces the dense W off the whole training set (29 points × 6 centred rows)
    const r = run([
      'train',
      '--preset',
      'tiny',
      '--p',
      '7',
      '--train',
      '0.6',
      '--embed',
      '4',
      '--width',
      '8',
      '--steps',
      '21',
      '--instrument-every',
      '10',
      '--instruments',
      '--gramian-rows',
      '12',
      '--whole-gramian',
      '12',
      '--whole-gramian-at',
      '20',
      '--out',
      out,
      '--quiet',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const snaps = (JSON.parse(readFileSync(out, 'utf8')) as { instruments: { step: number; gramian: { set: string; whole: { rows: number; steps: number; intervals: number } | null } | null }[] })
      .instruments;
    expect(snaps.map((s) => s.step)).toEqual([0, 10, 20]);
    expect(snaps[1].gramian!.set).toBe('probe');
    expect(snaps[1].gramian!.whole).toBeNull();
    const w = snaps[2].gramian!.whole!;
    expect(w.rows).toBe(29 * 6);
    expect(w.intervals).toBe(2);
    expect(w.steps).toBeGreaterThan(1);
    expect(w.steps).toBeLessThanOrEqual(12);
  });

  it('with --instruments too: after the loss the kernel blocks are rebuilt on the fresh device and measuring goes on', () => {
    const out = join(dir, 'lost-instruments.json');
    const r = run(['train', '--preset', 'tiny', '--steps', '100', '--eval-every', '10', '--instrument-every', '50', '--instruments', '--out', out, '--quiet'], {
      GROKSCOPE_FAULT_LOSE_DEVICE_AT: '60',
    });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).recoveries).toBe(1);
    const file = JSON.parse(readFileSync(out, 'utf8')) as { instruments: { step: number }[] };
    expect(file.instruments.map((s) => s.step)).toEqual([0, 50, 100]);
  });

  it('a sweep whose one lr diverges keeps the finished runs and reports the failure', () => {
    const out = join(dir, 'sweep.json');
    const r = run(['sweep', '--preset', 'tiny', '--variants', 'adamw', '--seeds', '1', '--lrs', '0.01,1e6', '--steps', '30', '--out', out, '--quiet']);
    expect(r.status, r.stderr).toBe(4);
    expect(r.stderr).toMatch(/1 of 2 runs failed/);
    const sweep = JSON.parse(readFileSync(out, 'utf8'));
    expect(sweep.runs).toHaveLength(2);
    expect(sweep.runs[0].failed).toBeNull();
    expect(sweep.runs[0].steps).toBe(30);
    expect(sweep.runs[1].failed).toMatch(/diverged/);
  });
});
