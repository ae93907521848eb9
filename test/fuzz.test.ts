/**
 * Untrusted input through the one schema (src/config/settings.ts): random and
 * mutated URL strings, CLI argument lists and run files, 1,000+ cases each. No
 * exception may escape except the documented rejection, and every rejection must
 * name the field it is about.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configFromArgs, parseArgs, UsageError } from '../src/cli/flags';
import { presetConfig } from '../src/config/presets';
import { crossCheck, SETTINGS, type RunConfig } from '../src/config/settings';
import { buildRunFile, parseRunFile, RUN_FILE_LIMITS } from '../src/model/runfile';
import { ReferenceTrainer } from '../src/reference/trainer';
import { readUrl } from '../src/ui/url';

const KEYS = SETTINGS.map((s) => s.urlName);
const NAMES = [...KEYS, 'preset', 'autoplay', 'compare', 'vs', '__proto__', 'constructor', 'toString', 'bogus'];
const VALUES = fc.oneof(
  fc.string(),
  fc.constantFrom('0x17', '1e-320', '0.99999999999', 'NaN', 'Infinity', '-0', '1e309', '', ' 23 ', '23', '0.5', 'add', 'tiny', 'adamw+stream', '1', '0'),
  fc.double().map(String),
  fc.integer().map(String),
);

const RUNS = 1000;

describe('fuzz: URL strings', () => {
  it(`${RUNS} random query strings: never throws, yields a valid config, every error names a parameter of the query`, () => {
    const query = fc.array(fc.tuple(fc.constantFrom(...NAMES), VALUES), { maxLength: 8 }).map((pairs) => new URLSearchParams(pairs).toString());
    const mutated = fc.tuple(query, fc.string(), fc.nat()).map(([q, junk, at]) => q.slice(0, at % (q.length + 1)) + junk + q.slice(at % (q.length + 1)));
    fc.assert(
      fc.property(fc.oneof(query, mutated), (q) => {
        const u = readUrl(q);
        expect(crossCheck(u.config)).toEqual([]);
        const present = new Set([...new URLSearchParams(q).keys()]);
        for (const e of u.errors) {
          // a cross-rule error names a setting (maybe not in the query: a preset can be what clashes)
          expect(present.has(e.key) || KEYS.includes(e.key), `${q}: ${e.message}`).toBe(true);
          expect(e.message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('fuzz: CLI argument lists', () => {
  it(`${RUNS} random argument lists: either a valid config or a UsageError naming a flag`, () => {
    const flag = fc.constantFrom(...NAMES.map((n) => `--${n.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`), '--steps', '--out', 'train', '-p', '--');
    const argv = fc.array(
      fc.oneof(
        flag,
        VALUES,
        fc.tuple(flag, VALUES).map(([f, v]) => `${f}=${v}`),
      ),
      { maxLength: 10 },
    );
    fc.assert(
      fc.property(argv, (args) => {
        try {
          const parsed = parseArgs(args, ['steps', 'out'], ['quiet']);
          const config = configFromArgs(parsed);
          expect(crossCheck(config)).toEqual([]);
        } catch (e) {
          expect(e).toBeInstanceOf(UsageError);
          const msg = (e as Error).message;
          // names the flag (--x) or the stray argument it could not read
          expect(/--[a-z0-9_-]*|argument "/i.test(msg), msg).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

function sampleFile() {
  const cfg = { ...presetConfig('tiny')!, p: 7, train: 0.6, embed: 4, width: 8, evalEvery: 2 };
  const t = new ReferenceTrainer(cfg);
  t.train(4);
  t.applyLive({ gate: 'exact-soft' });
  t.train(2);
  return t.readState().then((state) => buildRunFile({ config: t.config, dataset: t.dataset, step: t.step, metrics: t.drainMetrics(), events: t.events, state, layout: t.layout }));
}

/** every path of a JSON value, as key lists (arrays sampled at a few indices) */
function paths(x: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(x)) for (const i of [0, 1, x.length - 1]) if (i >= 0 && i < x.length) paths(x[i], [...prefix, i], out);
  if (x && typeof x === 'object' && !Array.isArray(x)) for (const k of Object.keys(x)) paths((x as Record<string, unknown>)[k], [...prefix, k], out);
  return out;
}

describe('fuzz: run files', async () => {
  const file = await sampleFile();
  const text = JSON.stringify(file);
  const all = paths(file).filter((p) => p.length > 0);
  const junk = fc.oneof(
    fc.constantFrom(null, true, 'x', -1, 1e300, 1e39, 0.5, [], {}, [null], { __proto__: { polluted: 1 } }, '__proto__'),
    fc.double(),
    fc.string(),
    fc.array(fc.double(), { maxLength: 4 }),
  );

  it(`${RUNS} mutated run files: a parse or an Error that names the field`, () => {
    fc.assert(
      fc.property(fc.constantFrom(...all), junk, fc.boolean(), (path, value, remove) => {
        const f = structuredClone(file) as unknown as Record<string | number, unknown>;
        let at: Record<string | number, unknown> = f;
        for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
        const last = path[path.length - 1];
        if (remove) delete at[last];
        else at[last] = value;
        let parsed;
        try {
          parsed = parseRunFile(JSON.stringify(f));
        } catch (e) {
          const msg = (e as Error).message;
          // the message names some key on the mutated path (or the whole-file check it failed)
          const named = path.some((k) => typeof k === 'string' && msg.includes(k)) || /split|format|version|config|step/.test(msg);
          expect(named, `${path.join('.')} → ${msg}`).toBe(true);
          return;
        }
        // accepted: then the result is sound (finite weights, a valid config)
        expect(crossCheck(parsed.config)).toEqual([]);
        expect(parsed.state.params.every(Number.isFinite)).toBe(true);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: RUNS },
    );
  });

  it(`${RUNS} truncations and byte flips never parse into garbage`, () => {
    fc.assert(
      fc.property(fc.nat(text.length - 1), fc.integer({ min: 32, max: 126 }), fc.boolean(), (at, code, cut) => {
        const t = cut ? text.slice(0, at) : text.slice(0, at) + String.fromCharCode(code) + text.slice(at + 1);
        try {
          const p = parseRunFile(t);
          expect(p.state.params.every(Number.isFinite)).toBe(true);
        } catch (e) {
          expect(e).toBeInstanceOf(Error);
          expect((e as Error).message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('the hostile set: each refused with the field named', () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- mutating arbitrary fields
    const bad = (mut: (f: Record<string, any>) => void) => {
      const f = structuredClone(file) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- mutating arbitrary fields
      mut(f);
      return () => parseRunFile(JSON.stringify(f));
    };
    expect(bad((f) => (f.events = [null]))).toThrow(/events\[0\]/);
    expect(bad((f) => (f.events = Array.from({ length: 100_000 }, () => ({ step: 1, kind: 'gate', from: 'off', to: 'stream' }))))).toThrow(/"events" has 100000 entries/);
    expect(bad((f) => (f.step = 1e300))).toThrow(/step/);
    expect(bad((f) => (f.metrics[0].testAcc = 1e9))).toThrow(/metrics\[0\]\.testAcc/);
    expect(bad((f) => (f.metrics[0].step = -5))).toThrow(/metrics\[0\]\.step/);
    expect(bad((f) => (f.optimizer.name = 'sgd'))).toThrow(/optimizer.name/);
    expect(bad((f) => (f.optimizer.step = 3))).toThrow(/optimizer.step/);
    expect(bad((f) => (f.weights.embed.data[0] = 1e39))).toThrow(/embed\[0\].*float32/);
    expect(bad((f) => (f.weights.embed.shape = [1e9, 1e9]))).toThrow(/weights.embed: shape/);
    expect(bad((f) => (f.config.width = 1e6))).toThrow(/width/);
    expect(bad((f) => (f.instruments = [{ step: 5, x: [1, 2, '3'.repeat(300)] }]))).toThrow(/instruments\[0\]\.x\[2\]/);
    expect(bad((f) => (f.instruments = [{ a: new Array(RUN_FILE_LIMITS.instrumentArray + 1).fill(0) }]))).toThrow(/instruments\[0\]\.a has/);
    expect(() => parseRunFile(' '.repeat(RUN_FILE_LIMITS.bytes + 1))).toThrow(/over the 64 MB limit/);
    // prototype keys: JSON.parse makes them own properties; they are never read through
    const proto = text.replace('"config":{', '"config":{"__proto__":{"p":12},"constructor":{"x":1},');
    expect(parseRunFile(proto).config.p).toBe(7);
    expect(({} as Record<string, unknown>).p).toBeUndefined();
    // instruments with fields added later are still accepted (structure only)
    expect(parseRunFile(JSON.stringify({ ...file, instruments: [{ step: 2, newField: { nested: [1, 2, null] } }] })).instruments).toHaveLength(1);
  });
});

describe('fuzz: worker commands', () => {
  it(`${RUNS} random messages: a valid Command or an Error naming the field`, async () => {
    const { parseCommand } = await import('../src/worker/protocol');
    const types = [
      'init',
      'reset',
      'play',
      'pause',
      'step',
      'setSpeed',
      'live',
      'export',
      'import',
      'pacing',
      'restartGramian',
      'restore',
      'loseDevice',
      'autosave',
      'killInstruments',
      'bogus',
      '__proto__',
    ];
    const anyValue = fc.oneof(fc.anything(), VALUES, fc.constantFrom(0.1, 1, 5, true, 'x'));
    const msg = fc.record(
      {
        type: fc.constantFrom(...types),
        n: anyValue,
        stepsPerFrame: anyValue,
        lane: anyValue,
        text: anyValue,
        exact: anyValue,
        lrFactor: anyValue,
        compare: anyValue,
        config: fc.oneof(anyValue, fc.dictionary(fc.constantFrom(...KEYS), anyValue)),
        settings: fc.oneof(anyValue, fc.dictionary(fc.constantFrom(...KEYS), anyValue)),
      },
      { requiredKeys: ['type'] },
    );
    fc.assert(
      fc.property(fc.oneof(msg, fc.anything()), (m) => {
        try {
          const c = parseCommand(m);
          expect(typeof c.type).toBe('string');
          if (c.type === 'init' || (c.type === 'reset' && c.config)) expect(crossCheck((c as { config: RunConfig }).config)).toEqual([]);
        } catch (e) {
          expect(e).toBeInstanceOf(Error);
          expect((e as Error).message).toMatch(/[a-z]/i);
        }
      }),
      { numRuns: RUNS },
    );
    expect(parseCommand({ type: 'live', settings: { lr: 0.5 } })).toEqual({ type: 'live', settings: { lr: 0.5 } });
    expect(() => parseCommand({ type: 'live', settings: { p: 7 } })).toThrow(/live.settings.p is not a live setting/);
    expect(() => parseCommand({ type: 'step', n: -1 })).toThrow(/step.n/);
  });
});
