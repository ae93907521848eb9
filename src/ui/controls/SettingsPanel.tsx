/**
 * Every setting of the one table (src/config/settings.ts), as a control: enums
 * become selects, numbers text fields checked by the table's own parser, ranges
 * and help from the table. Live settings apply at once; the rest are marked
 * "needs reset" until the run restarts.
 */
import { useEffect, useState } from 'react';
import { crossCheck, parseSettingValue, SETTINGS, toFlat, type SettingSpec } from '../../config/settings';
import { changeSetting, LIVE_KEYS, reset } from '../actions';
import { useLab } from '../store';

/** display groups; any setting not named here lands in "More", so the table stays the source */
const GROUPS: [string, string[]][] = [
  ['Task', ['task', 'p', 'train', 'noise', 'noiseStd', 'teacherSeed']],
  ['Model', ['embed', 'width', 'depth', 'act']],
  ['Optimizer', ['opt', 'lr', 'wd', 'momentum', 'batch', 'beta1', 'beta2', 'eps']],
  ['Gate', ['gate', 'softness']],
  ['Run', ['seed', 'evalEvery']],
  ['Instruments', ['instrumentEvery', 'probeTrain', 'probeTest']],
];

function rangeHint(spec: SettingSpec): string {
  if (spec.kind === 'enum') return spec.values.join(' | ');
  return `${spec.minExclusive ? '(' : '['}${spec.min}, ${spec.max}${spec.maxExclusive ? ')' : ']'}${spec.kind === 'int' ? ' integer' : ''}`;
}

export function SettingsPanel() {
  const setup = useLab((s) => s.setup);
  const applied = useLab((s) => s.applied);
  const flat = toFlat(setup);
  const appliedFlat = toFlat(applied);
  const cross = crossCheck(setup);
  const pending = SETTINGS.filter((s) => !LIVE_KEYS.has(s.key) && flat[s.key] !== appliedFlat[s.key]).map((s) => s.key);
  const named = new Set(GROUPS.flatMap(([, keys]) => keys));
  const groups: [string, SettingSpec[]][] = GROUPS.map(([title, keys]) => [title, keys.map((k) => SETTINGS.find((s) => s.key === k)).filter((s): s is SettingSpec => !!s)]);
  const rest = SETTINGS.filter((s) => !named.has(s.key));
  if (rest.length) groups.push(['More', rest]);

  return (
    <aside className="settings" aria-label="settings">
      {pending.length > 0 && (
        <div className="pending" role="status">
          Changed {pending.join(', ')}: these need a reset.{' '}
          <button className="small primary" onClick={reset} disabled={cross.length > 0}>
            Reset to apply (R)
          </button>
        </div>
      )}
      <p className="legend-note">
        <span className="badge live">live</span> applies mid-run · <span className="badge reset">reset</span> applies on reset
      </p>
      {groups.map(([title, specs]) => (
        <fieldset key={title}>
          <legend>{title}</legend>
          {specs.map((spec) => (
            <Field
              key={spec.key}
              spec={spec}
              value={flat[spec.key]}
              pending={pending.includes(spec.key)}
              crossError={cross.find((e) => e.key === spec.key)?.message}
            />
          ))}
        </fieldset>
      ))}
    </aside>
  );
}

function Field({ spec, value, pending, crossError }: { spec: SettingSpec; value: number | string; pending: boolean; crossError?: string }) {
  const [text, setText] = useState(String(value));
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setText(String(value));
    setError(null);
  }, [value]);
  const live = LIVE_KEYS.has(spec.key);
  const commit = (raw: string) => {
    const r = parseSettingValue(spec, raw);
    if ('error' in r) return setError(r.error);
    setError(null);
    if (r.value !== value) changeSetting(spec.key, r.value);
  };
  const id = `setting-${spec.key}`;
  const shown = error ?? crossError;
  return (
    <div className={`field ${shown ? 'invalid' : ''} ${pending ? 'is-pending' : ''}`} title={`${spec.help} — ${rangeHint(spec)}`}>
      <label htmlFor={id}>
        {spec.key}
        <span className={`badge ${live ? 'live' : 'reset'}`}>{live ? 'live' : 'reset'}</span>
      </label>
      {spec.kind === 'enum' ? (
        <select id={id} name={spec.key} value={String(value)} onChange={(e) => commit(e.target.value)}>
          {spec.values.map((v) => (
            <option key={v}>{v}</option>
          ))}
        </select>
      ) : (
        <input
          id={id}
          name={spec.key}
          type="text"
          inputMode="decimal"
          value={text}
          aria-invalid={!!shown}
          onChange={(e) => setText(e.target.value)}
          onBlur={() => commit(text)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') commit(text);
            if (e.key === 'Escape') (setText(String(value)), setError(null));
          }}
        />
      )}
      <small className="hint">{shown ?? `${spec.help} · ${rangeHint(spec)}`}</small>
    </div>
  );
}
