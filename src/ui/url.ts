/**
 * The URL holds the whole setup: `?preset=name`, the settings that differ from
 * the preset (diffSettings), `compare=1` (with `vs=OPT+GATE`: race the setup against
 * that challenger instead of gate off vs on), `autoplay=1` and `story=N` (the
 * lecture story at screen N). Bad values are reported by name and replaced by the
 * preset's (or the default) value.
 *
 * The landing page: a URL with no parameters opens the lecture preset, playing,
 * with its instruments on (LANDING_PRESET). `story=N` alone does the same, in
 * compare mode (the last screen races gate off against gate on).
 */
import { PRESETS, presetConfig } from '../config/presets';
import { defaultConfig, diffSettings, parseSettings, type RunConfig, type SettingError } from '../config/settings';
import { parseVariant, type Variant } from '../model/variant';
import { STORY_STEPS } from './story';

/** what a URL without parameters opens: a preset whose instruments are on */
export const LANDING_PRESET = 'lecture';

export interface UrlSetup {
  config: RunConfig;
  preset: string | null;
  compare: boolean;
  /** compare mode's challenger (OPT or OPT+GATE); null: gate off vs on */
  vs: Variant | null;
  autoplay: boolean;
  /** 1-based story screen, null: no story */
  story: number | null;
  /** the URL had no parameters (the first-visit line may show) */
  landing: boolean;
  errors: SettingError[];
}

const FLAGS = ['preset', 'autoplay', 'compare', 'vs', 'story'] as const;

function readFlag(params: URLSearchParams, key: string, errors: SettingError[]): boolean {
  const v = params.get(key);
  if (v === null) return false;
  if (v === '1' || v === 'true' || v === '') return true;
  if (v === '0' || v === 'false') return false;
  errors.push({ key, value: v, message: `${key}=${JSON.stringify(v)} must be 1 or 0` });
  return false;
}

export function readUrl(search: string): UrlSetup {
  const params = new URLSearchParams(search);
  const errors: SettingError[] = [];
  let story: number | null = null;
  const storyRaw = params.get('story');
  if (storyRaw !== null) {
    const n = Number(storyRaw);
    if (Number.isInteger(n) && n >= 1 && n <= STORY_STEPS.length) story = n;
    else errors.push({ key: 'story', value: storyRaw, message: `story=${JSON.stringify(storyRaw)} must be a screen 1..${STORY_STEPS.length}` });
  }
  const keys = [...params.keys()];
  const landing = keys.length === 0;
  // no setup in the URL (nothing, or only story=N): the lecture preset, playing
  const bare = keys.every((k) => k === 'story');
  if (bare) {
    params.set('preset', LANDING_PRESET);
    params.set('autoplay', '1');
    if (story !== null) params.set('compare', '1');
  }
  let preset = params.get('preset');
  let base = defaultConfig();
  if (preset !== null) {
    const pc = presetConfig(preset);
    if (pc) base = pc;
    else {
      errors.push({ key: 'preset', value: preset, message: `preset=${JSON.stringify(preset)} is not one of ${PRESETS.map((p) => p.name).join('|')}` });
      preset = null;
    }
  }
  const autoplay = readFlag(params, 'autoplay', errors);
  const compare = readFlag(params, 'compare', errors);
  let vs: Variant | null = null;
  const vsRaw = params.get('vs');
  if (vsRaw !== null) {
    try {
      vs = parseVariant(vsRaw);
    } catch (e) {
      errors.push({ key: 'vs', value: vsRaw, message: `vs=${(e as Error).message}` });
    }
  }
  const parsed = parseSettings(params.entries(), base, new Set(FLAGS));
  return { config: parsed.config, preset, compare, vs, autoplay, story, landing, errors: [...errors, ...parsed.errors] };
}

export function baseConfig(preset: string | null): RunConfig {
  return (preset && presetConfig(preset)) || defaultConfig();
}

export interface UrlState {
  config: RunConfig;
  preset: string | null;
  compare: boolean;
  vs: Variant | null;
  autoplay: boolean;
  story?: number | null;
}

export function urlFor(s: UrlState): string {
  const pairs: [string, string][] = [];
  if (s.preset) pairs.push(['preset', s.preset]);
  pairs.push(...diffSettings(s.config, baseConfig(s.preset)));
  if (s.compare) pairs.push(['compare', '1']);
  if (s.compare && s.vs) pairs.push(['vs', s.vs.name]);
  if (s.autoplay) pairs.push(['autoplay', '1']);
  if (s.story) pairs.push(['story', String(s.story)]);
  const q = new URLSearchParams(pairs).toString();
  return q ? `?${q}` : location.pathname;
}

/** rewrites the address bar without a navigation (a reload then restarts this setup) */
export function writeUrl(s: UrlState): void {
  const next = urlFor(s);
  if (next !== location.search) history.replaceState(null, '', next.startsWith('?') ? next : location.pathname);
}
