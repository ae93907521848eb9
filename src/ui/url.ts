/**
 * The URL holds the whole setup: `?preset=name`, the settings that differ from
 * the preset (diffSettings), `compare=1` (with `vs=OPT+GATE`: race the setup against
 * that challenger instead of gate off vs on) and `autoplay=1`. Bad values are
 * reported by name and replaced by the preset's (or the default) value.
 */
import { PRESETS, presetConfig } from '../config/presets';
import { defaultConfig, diffSettings, parseSettings, type RunConfig, type SettingError } from '../config/settings';
import { parseVariant, type Variant } from '../model/variant';

export interface UrlSetup {
  config: RunConfig;
  preset: string | null;
  compare: boolean;
  /** compare mode's challenger (OPT or OPT+GATE); null: gate off vs on */
  vs: Variant | null;
  autoplay: boolean;
  errors: SettingError[];
}

const FLAGS = ['preset', 'autoplay', 'compare', 'vs'] as const;

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
  return { config: parsed.config, preset, compare, vs, autoplay, errors: [...errors, ...parsed.errors] };
}

export function baseConfig(preset: string | null): RunConfig {
  return (preset && presetConfig(preset)) || defaultConfig();
}

export function urlFor(s: { config: RunConfig; preset: string | null; compare: boolean; vs: Variant | null; autoplay: boolean }): string {
  const pairs: [string, string][] = [];
  if (s.preset) pairs.push(['preset', s.preset]);
  pairs.push(...diffSettings(s.config, baseConfig(s.preset)));
  if (s.compare) pairs.push(['compare', '1']);
  if (s.compare && s.vs) pairs.push(['vs', s.vs.name]);
  if (s.autoplay) pairs.push(['autoplay', '1']);
  const q = new URLSearchParams(pairs).toString();
  return q ? `?${q}` : location.pathname;
}

/** rewrites the address bar without a navigation (a reload then restarts this setup) */
export function writeUrl(s: { config: RunConfig; preset: string | null; compare: boolean; vs: Variant | null; autoplay: boolean }): void {
  const next = urlFor(s);
  if (next !== location.search) history.replaceState(null, '', next.startsWith('?') ? next : location.pathname);
}
