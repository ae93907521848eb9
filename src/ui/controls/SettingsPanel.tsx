/**
 * Every setting of the one table (src/config/settings.ts), as a control: enums
 * become selects, numbers text fields checked by the table's own parser, ranges
 * and help from the table. Live settings apply at once; the rest are marked
 * "needs reset" until the run restarts.
 */
import { useState } from 'react';
import { crossCheck, parseSettingValue, rangeText, SETTING_GROUPS, SETTINGS, toFlat, type SettingSpec } from '../../config/settings';
import { changeSetting, LIVE_KEYS, reset } from '../actions';
import { useLab } from '../store';

function rangeHint(spec: SettingSpec): string {
  return spec.kind === 'enum' ? spec.values.join(' | ') : `${rangeText(spec)}${spec.kind === 'int' ? ' integer' : ''}`;
}

export function SettingsPanel() {
  const setup = useLab((s) => s.setup);
  const applied = useLab((s) => s.applied);
  const flat = toFlat(setup);
  const appliedFlat = toFlat(applied);
  const cross = crossCheck(setup);
  const pending = SETTINGS.filter((s) => !LIVE_KEYS.has(s.key) && flat[s.key] !== appliedFlat[s.key]).map((s) => s.key);
  // display groups come from the table's entries, in the table's group order
  const groups: [string, SettingSpec[]][] = SETTING_GROUPS.map((g) => [g, SETTINGS.filter((s) => s.group === g)]);

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
              // keyed by the value too: a value changed elsewhere (preset, import, restore) remounts
              // the field with fresh text instead of syncing state in an effect
              key={`${spec.key}=${flat[spec.key]}`}
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
            if (e.key === 'Escape') {
              setText(String(value));
              setError(null);
            }
          }}
        />
      )}
      <small className="hint">{shown ?? `${spec.help} · ${rangeHint(spec)}`}</small>
    </div>
  );
}
