/**
 * What the user can do, as functions shared by buttons and keys. Settings that
 * the Trainer accepts live (LiveSettings) go to the worker at once; the others
 * wait for a reset, and the controls say so.
 */
import { presetConfig } from '../config/presets';
import { crossCheck, LIVE_KEYS, type GateVariant, type RunConfig, type SettingError } from '../config/settings';
import type { LiveSettings } from '../model/trainer';
import { send } from './client';
import { useLab } from './store';
import { STORY_STEPS, storyMove } from './story';
import { readUrl, writeUrl } from './url';

/** settings the Trainer can change mid-run (the keys of LiveSettings), from the settings table */
export { LIVE_KEYS };

export const SPEEDS = [1, 2, 5, 10, 20, 50, 100, 200, 500] as const;

function pageGpuReason(): string | undefined {
  return 'gpu' in navigator && navigator.gpu ? undefined : 'this browser exposes no WebGPU (navigator.gpu is missing)';
}

/** reads the URL and starts the worker's first run */
export function initFromUrl(): void {
  const u = readUrl(location.search);
  const gateVariant = u.config.gate === 'off' ? 'exact-hard' : u.config.gate;
  useLab.setState({ setup: u.config, applied: u.config, preset: u.preset, compare: u.compare, vs: u.vs, autoplay: u.autoplay, urlErrors: u.errors, gateVariant, landing: u.landing });
  if (u.story !== null) goStory(u.story);
  send({ type: 'setSpeed', stepsPerFrame: useLab.getState().stepsPerFrame });
  send({ type: 'init', config: u.config, compare: u.compare, vs: u.vs, forceCpu: pageGpuReason() });
  if (u.autoplay) play();
}

function syncUrl(): void {
  const s = useLab.getState();
  writeUrl({ config: s.setup, preset: s.preset, compare: s.compare, vs: s.vs, autoplay: s.autoplay, story: s.story });
}

/** story screen n (null: back to the full lab); the theory views follow the screen's lane; training goes on */
export function goStory(n: number | null): void {
  const s = useLab.getState();
  const step = n === null ? null : STORY_STEPS[n - 1];
  useLab.setState({ story: n, viewLane: step && s.compare ? step.lane : null });
  syncUrl();
}

/** → / ←: the next / previous story screen (nothing outside the story) */
export function storyStep(by: 1 | -1): void {
  const n = useLab.getState().story;
  if (n !== null) goStory(storyMove(n, by));
}

export function play(): void {
  useLab.setState({ playing: true });
  send({ type: 'play' });
}

export function pause(): void {
  useLab.setState({ playing: false });
  send({ type: 'pause' });
}

export const togglePlay = () => (useLab.getState().playing ? pause() : play());

export function stepOnce(): void {
  send({ type: 'step', n: useLab.getState().stepsPerFrame });
}

export function reset(): void {
  const s = useLab.getState();
  if (crossCheck(s.setup).length > 0) return; // the controls show why
  useLab.setState({ applied: s.setup, playing: false, ready: false, diverged: null, runErrors: s.runErrors.filter((n) => n.source !== 'instruments') });
  send({ type: 'reset', config: s.setup });
}

export function setSpeed(stepsPerFrame: number): void {
  useLab.setState({ stepsPerFrame });
  send({ type: 'setSpeed', stepsPerFrame });
}

/** one setting changed in the controls: live ones apply now, the rest on reset */
export function changeSetting(key: string, value: number | string): SettingError[] {
  const s = useLab.getState();
  const next = { ...s.setup } as Record<string, unknown>;
  if (key === 'beta1' || key === 'beta2') next.betas = key === 'beta1' ? [value, s.setup.betas[1]] : [s.setup.betas[0], value];
  else next[key] = value;
  // one key of a valid config replaced by a value its spec already accepted (parseSettingValue)
  const config = next as unknown as RunConfig;
  const errors = crossCheck(config);
  const patch: Partial<typeof s> = { setup: config };
  if (key === 'gate' && value !== 'off') patch.gateVariant = value as Exclude<GateVariant, 'off'>;
  useLab.setState(patch);
  if (errors.length === 0 && LIVE_KEYS.has(key)) send({ type: 'live', settings: { [key]: value } as LiveSettings });
  return errors;
}

/** G: the gate off, or back on with the last chosen variant */
export function toggleGate(): void {
  const s = useLab.getState();
  changeSetting('gate', s.setup.gate === 'off' ? s.gateVariant : 'off');
}

export function loadPreset(name: string): void {
  const config = presetConfig(name);
  if (!config) return;
  useLab.setState({ preset: name, setup: config, urlErrors: [] });
  reset();
}

export function setCompare(compare: boolean): void {
  const s = useLab.getState();
  useLab.setState({ compare, applied: s.setup, playing: false, ready: false });
  send({ type: 'init', config: s.setup, compare, vs: s.vs, forceCpu: pageGpuReason() });
}

export function exportRun(): void {
  const s = useLab.getState();
  // compare mode: the gated lane is the one worth keeping
  send({ type: 'export', lane: s.compare ? 1 : 0 });
}

export async function importRunFile(file: File): Promise<void> {
  send({ type: 'import', text: await file.text() });
}

/** after divergence: the last good checkpoint, learning rate ÷ 10 */
export function restoreLowerLr(): void {
  useLab.setState({ diverged: null });
  send({ type: 'restore', lrFactor: 0.1 });
}

/** fault injection for tests and demos (window.grokscope.loseDevice()) */
export function loseDevice(): void {
  send({ type: 'loseDevice' });
}

/** fault injection for tests and demos (window.grokscope.killInstruments()) */
export function killInstruments(): void {
  send({ type: 'killInstruments' });
}

export function dismissErrors(): void {
  useLab.setState({ urlErrors: [], runErrors: [] });
}

/** keeps the address bar in step with the setup (edits, presets, compare, imports) */
export function watchUrl(): void {
  useLab.subscribe((s, prev) => {
    if (s.setup !== prev.setup || s.compare !== prev.compare || s.preset !== prev.preset) syncUrl();
  });
}
