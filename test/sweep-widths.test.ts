/**
 * `grokscope sweep --widths` as a user runs it (the real binary on Dawn), and its
 * pieces: the one read of the noise's channel share from a snapshot, the spread over
 * seeds, P and n·k.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { presetConfig } from '../src/config/presets';
import { capacity, noiseShareInChannel, parseWidthSweep, spread, WIDTH_CSV_HEADER, widthCsv, widthPoints } from '../src/model/widthSweep';

const run = (args: string[]) => spawnSync(process.execPath, ['bin/grokscope.mjs', ...args], { encoding: 'utf8', timeout: 600_000 });
const dir = mkdtempSync(join(tmpdir(), 'grokscope-widths-'));

describe('width sweep pieces', () => {
  it('reads gramian.energy.decayed.noise and nothing else', () => {
    expect(noiseShareInChannel({ gramian: { energy: { decayed: { gradient: 0.9, labels: 0.8, clean: 0.7, noise: 0.25 }, fixed: { noise: 0.5 } } } })).toBe(0.25);
    expect(noiseShareInChannel({ gramian: { energy: { decayed: { noise: null } } } })).toBeNull();
    expect(noiseShareInChannel({ gramian: null })).toBeNull();
    expect(noiseShareInChannel({ gramian: { energy: { labelNoise: 0.3 } } })).toBeNull(); // the old layout is not read as the new one
  });

  it('a file that is not a sweep is refused with a message', () => {
    expect(() => parseWidthSweep('{"runs": []}')).toThrow(/width-sweep/);
    expect(() => parseWidthSweep('step,trainLoss')).toThrow(/JSON/);
    expect(() => parseWidthSweep('{"settings": {"widths": [8]}, "runs": [{"width": 8}]}')).toThrow(/runs\[0\]\.seed/);
  });

  it('median and range over seeds, skipping runs without a value', () => {
    expect(spread([3, null, 1, 2])).toEqual({ n: 3, median: 2, min: 1, max: 3 });
    expect(spread([4, 1, 2, 3])).toEqual({ n: 4, median: 2.5, min: 1, max: 4 });
    expect(spread([null])).toEqual({ n: 0, median: null, min: null, max: null });
  });

  it('P counts every trainable parameter and n·k every training output', () => {
    const cfg = { ...presetConfig('regress')!, width: 20 };
    // p = 11, d = 8: embed 88 + hidden 20·16 + 20 + head 11·20 + 11; n = round(0.5·121) = 61, k = 11
    expect(capacity(cfg)).toEqual({ params: 88 + 320 + 20 + 220 + 11, outputs: 61 * 11 });
    // the narrow preset is below the threshold by construction
    const narrow = capacity(presetConfig('regress-narrow')!);
    expect(narrow.params).toBeLessThan(narrow.outputs / 2);
  });
});

describe('grokscope sweep --widths', () => {
  it('rejects widths outside the width range and the regress task with a flip fraction', () => {
    const r = run(['sweep', '--preset', 'regress', '--widths', '4,16']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--widths');
    const t = run(['train', '--preset', 'regress', '--noise', '0.1']);
    expect(t.status).toBe(2);
    expect(t.stderr).toContain('--noise');
    const s = run(['train', '--preset', 'regress', '--stop-at', '0.9']);
    expect(s.status).toBe(2);
    expect(s.stderr).toContain('--stop-at');
  });

  it('a diverging run is reported and left out, never a number in the table', () => {
    const r = run(['sweep', '--preset', 'regress', '--widths', '8', '--seeds', '1', '--steps', '100', '--opt', 'sgd', '--momentum', '0', '--lr', '5', '--instrument-every', '0', '--quiet']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('1 run(s) failed');
    expect(r.stdout).not.toMatch(/^8 \|/m);
  });

  it('one run per width and seed, with P, n·k and MSE in table and CSV', () => {
    const csv = join(dir, 'w.csv');
    const r = run(['sweep', '--preset', 'regress', '--widths', '8,32', '--seeds', '1,2', '--steps', '60', '--instrument-every', '0', '--csv', csv, '--quiet']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('held-out MSE');
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines[0]).toBe(WIDTH_CSV_HEADER);
    const rows = lines.slice(1).map((l) => l.split(','));
    expect(rows.map((x) => [x[0], x[1]])).toEqual([
      ['8', '1'],
      ['8', '2'],
      ['32', '1'],
      ['32', '2'],
    ]);
    for (const x of rows) {
      expect(Number(x[3])).toBe(671);
      expect(Number(x[5])).toBeGreaterThan(0); // held-out MSE
      expect(x[8]).toBe(''); // instruments off: no noise share, not a zero
    }
    expect(Number(rows[2][2])).toBeGreaterThan(Number(rows[0][2])); // wider: more parameters
    // the CSV reads back (the lab's double-descent view and the figure script read it)
    const runs = parseWidthSweep(readFileSync(csv, 'utf8'));
    expect(widthCsv(runs)).toBe(readFileSync(csv, 'utf8'));
    expect(widthPoints(runs).map((w) => [w.width, w.test.n, w.noise.n])).toEqual([
      [8, 2, 0],
      [32, 2, 0],
    ]);
  });
});
