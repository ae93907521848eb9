import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PRESETS, presetConfig } from '../src/config/presets';
import { crossCheck, defaultConfig, diffSettings, isPrime, LIVE_KEYS, parseSettings, rangeText, SETTING_BY_KEY, SETTINGS, SETTINGS_TABLE, validateConfig } from '../src/config/settings';
import * as v from 'valibot';
import { applyOp, CATEGORY_FLIPPED, makeDataset } from '../src/tasks/modular';

describe('settings table', () => {
  it('defaults and presets pass their own validation', () => {
    expect(crossCheck(defaultConfig())).toEqual([]);
    for (const p of PRESETS) expect(crossCheck(presetConfig(p.name)!)).toEqual([]);
  });

  it('a bad URL names each bad value and falls back to defaults', () => {
    const { config, errors } = parseSettings(new URLSearchParams('p=12&lr=abc&width=64&train=1.2&act=tanh').entries());
    expect(errors.map((e) => e.key).sort()).toEqual(['act', 'lr', 'p', 'train']);
    expect(config.p).toBe(defaultConfig().p);
    expect(config.lr).toBe(defaultConfig().lr);
    expect(config.width).toBe(64);
  });

  it('rejects numbers with trailing junk, empty strings and non-integers for int settings', () => {
    for (const [k, v] of [
      ['lr', '1e-3x'],
      ['lr', ''],
      ['width', '64.5'],
      ['seed', '-1'],
      ['p', 'NaN'],
    ] as const) {
      const { errors } = parseSettings([[k, v]]);
      expect(errors.length, `${k}=${v}`).toBe(1);
    }
  });

  it('never throws and always yields a valid config, whatever the strings', () => {
    const keys = SETTINGS.map((s) => s.key).concat(['bogus']);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...keys), fc.string())), (pairs) => {
        const { config } = parseSettings(pairs);
        expect(crossCheck(config)).toEqual([]);
        expect(() => validateConfig({ ...config })).not.toThrow();
      }),
      { numRuns: 300 },
    );
  });

  it('diffSettings round-trips through parseSettings', () => {
    const c = { ...defaultConfig(), p: 47, gate: 'stream' as const, lr: 3e-3, betas: [0.9, 0.99] as [number, number] };
    const { config, errors } = parseSettings(diffSettings(c));
    expect(errors).toEqual([]);
    expect(config).toEqual(c);
  });

  it('refuses values the float32 GPU would change, non-decimal text and prototype keys', () => {
    const { errors } = parseSettings([
      ['beta2', '0.99999999999'],
      ['lr', '1e-320'],
      ['p', '0x17'],
      ['seed', '0b1'],
      ['wd', 'Infinity'],
      ['__proto__', '1'],
      ['constructor', '2'],
    ]);
    expect(errors.map((e) => e.key)).toEqual(['beta2', 'lr', 'p', 'seed', 'wd', '__proto__', 'constructor']);
    expect(errors[0].message).toMatch(/becomes 1 in float32/);
    expect(errors[1].message).toMatch(/becomes 0 in float32/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // a value float32 keeps inside its range is still fine
    expect(parseSettings([['beta2', '0.999999']]).errors).toEqual([]);
  });

  it('ranges, kinds and live keys are read back from the schema, not kept by hand', () => {
    // each spec's range text must agree with what its schema accepts at both ends
    for (const s of SETTINGS) {
      expect(v.safeParse(s.schema, s.default).success, `${s.key} default`).toBe(true);
      if (s.kind === 'enum') continue;
      const justOut = (x: number, up: boolean) => (up ? x + Math.max(1, Math.abs(x)) * 1e-3 : x - Math.max(1, Math.abs(x)) * 1e-3);
      expect(v.safeParse(s.schema, justOut(s.max, true)).success, `${s.key} above ${rangeText(s)}`).toBe(false);
      expect(v.safeParse(s.schema, justOut(s.min, false)).success, `${s.key} below ${rangeText(s)}`).toBe(false);
      expect(v.safeParse(s.schema, s.min).success).toBe(!s.minExclusive);
    }
    expect(rangeText(SETTING_BY_KEY.get('train')!)).toBe('(0, 1)');
    expect(SETTING_BY_KEY.get('p')!.kind).toBe('int');
    expect([...LIVE_KEYS].sort()).toEqual(
      Object.entries(SETTINGS_TABLE)
        .filter(([, e]) => 'live' in e && e.live)
        .map(([k]) => k)
        .sort(),
    );
    expect(LIVE_KEYS.has('lr') && !LIVE_KEYS.has('p')).toBe(true);
  });

  it('refuses a config whose largest buffer passes the limit', () => {
    expect(crossCheck({ ...defaultConfig(), p: 113, width: 512 }, 1 << 20).map((e) => e.key)).toEqual(['width']);
  });

  it('refuses arch=transformer with task=regress (the transformer has no squared-loss head), whichever side the clash comes from', () => {
    expect(crossCheck({ ...defaultConfig(), arch: 'transformer', task: 'regress', instrumentEvery: 0 }).map((e) => e.key)).toEqual(['arch']);
    expect(() => validateConfig({ ...defaultConfig(), arch: 'transformer', task: 'regress', instrumentEvery: 0 })).toThrow(/task=regress needs arch=mlp/);
    // from the query against the default base: arch goes back to mlp, the regress task stays
    const a = parseSettings([
      ['task', 'regress'],
      ['arch', 'transformer'],
      ['instrumentEvery', '0'],
    ]);
    expect(a.errors.map((e) => e.key)).toEqual(['arch']);
    expect([a.config.arch, a.config.task]).toEqual(['mlp', 'regress']);
    expect(crossCheck(a.config)).toEqual([]);
    // against a transformer base (a preset): resetting arch alone cannot help, so the base stands
    const base = presetConfig('small-transformer')!;
    const b = parseSettings([['task', 'regress']], base);
    expect(b.errors.map((e) => e.key)).toEqual(['arch']);
    expect([b.config.arch, b.config.task]).toEqual(['transformer', base.task]);
    expect(crossCheck(b.config)).toEqual([]);
  });

  it('validateConfig names every problem of a config object', () => {
    expect(() => validateConfig({ p: 12, width: 'wide' })).toThrow(/width must be a number/);
    expect(() => validateConfig({ p: 12 })).toThrow(/not prime/);
  });
});

describe('modular tasks', () => {
  it('labels are a∘b mod p, and division is multiplication by the inverse', () => {
    expect(isPrime(97) && !isPrime(91)).toBe(true);
    for (let a = 0; a < 13; a++)
      for (let b = 1; b < 13; b++) {
        expect((applyOp('div', a, b, 13) * b) % 13).toBe(a);
        expect(applyOp('sub', a, b, 13)).toBe((a - b + 13) % 13);
      }
    expect(() => applyOp('div', 1, 0, 13)).toThrow();
  });

  it('split and noise are seeded, disjoint and complete; flipped labels are wrong and recorded', () => {
    const cfg = { task: 'div' as const, p: 23, train: 0.4, noise: 0.25, seed: 7 };
    const a = makeDataset(cfg);
    const b = makeDataset(cfg);
    expect(Array.from(a.trainIdx)).toEqual(Array.from(b.trainIdx));
    expect(a.trainIdx.length + a.testIdx.length).toBe(23 * 22);
    expect(new Set([...a.trainIdx, ...a.testIdx]).size).toBe(23 * 22);
    expect(a.flippedIdx.length).toBe(Math.floor(0.25 * a.trainIdx.length));
    for (const i of a.flippedIdx) {
      expect(a.labels[i]).not.toBe(a.trueLabels[i]);
      expect(a.category[i]).toBe(CATEGORY_FLIPPED);
    }
    const other = makeDataset({ ...cfg, seed: 8 });
    expect(Array.from(other.trainIdx)).not.toEqual(Array.from(a.trainIdx));
  });

  it('rejects p that is not a prime in 5..113 and train fractions outside (0, 1)', () => {
    expect(() => makeDataset({ task: 'add', p: 12, train: 0.5, noise: 0, seed: 1 })).toThrow(/prime/);
    expect(() => makeDataset({ task: 'add', p: 127, train: 0.5, noise: 0, seed: 1 })).toThrow(/prime/);
    expect(() => makeDataset({ task: 'add', p: 13, train: 1, noise: 0, seed: 1 })).toThrow(/train/);
  });
});
