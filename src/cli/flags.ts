/**
 * Command-line flags mirror the URL parameters: `--eval-every 50` is the setting
 * `evalEvery`; every setting of the table is a flag, with its range in --help.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseSettings, rangeText, SETTINGS, defaultConfig, type RunConfig } from '../config/settings';
import { PRESETS, presetConfig } from '../config/presets';

export class UsageError extends Error {}

const kebab = (k: string) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const camel = (k: string) => k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

export interface ParsedArgs {
  settings: [string, string][];
  extra: Map<string, string>;
  bools: Set<string>;
}

/** Splits `--name value` / `--name=value` / `--flag` into setting pairs and the command's own options. */
export function parseArgs(argv: string[], ownValued: readonly string[], ownBool: readonly string[]): ParsedArgs {
  const out: ParsedArgs = { settings: [], extra: new Map(), bools: new Set() };
  const settingNames = new Set(SETTINGS.map((s) => s.urlName));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new UsageError(`unexpected argument "${a}" (flags look like --p 23)`);
    const [name, inline] = a.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    let value = inline;
    if (ownBool.includes(name)) {
      out.bools.add(name);
      continue;
    }
    const key = camel(name);
    if (!settingNames.has(key) && !ownValued.includes(name) && name !== 'preset') throw new UsageError(`unknown flag --${name} (see --help)`);
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
    }
    if (settingNames.has(key)) out.settings.push([key, value]);
    else out.extra.set(name, value);
  }
  return out;
}

/** Settings from a preset (if any) and flags; any bad value is a UsageError naming the flag. */
export function configFromArgs(args: ParsedArgs): RunConfig {
  const presetName = args.extra.get('preset');
  let base = defaultConfig();
  if (presetName !== undefined) {
    const p = presetConfig(presetName);
    if (!p) throw new UsageError(`--preset ${presetName}: unknown preset (${PRESETS.map((x) => x.name).join(', ')})`);
    base = p;
  }
  const { config, errors } = parseSettings(args.settings, base);
  if (errors.length > 0) throw new UsageError(errors.map((e) => `--${kebab(e.key)}: ${e.message}`).join('\n'));
  return config;
}

export function settingsHelp(): string {
  return SETTINGS.map((s) => {
    const range = rangeText(s);
    return `  --${kebab(s.urlName).padEnd(18)} ${range.padEnd(40)} ${s.help} (default ${s.default})`;
  }).join('\n');
}

export function intOption(args: ParsedArgs, name: string, dflt: number, min: number, max: number): number {
  const raw = args.extra.get(name);
  if (raw === undefined) return dflt;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min || v > max) throw new UsageError(`--${name}=${raw} must be a whole number in [${min}, ${max}]`);
  return v;
}

/** A comma list of whole numbers in [min, max] (an empty item is refused), `what` naming them in the message. */
export function intListOption(raw: string, flag: string, min: number, max: number, what: string): number[] {
  const vals = raw.split(',').map((s) => (s.trim() === '' ? NaN : Number(s.trim())));
  if (vals.some((v) => !Number.isInteger(v) || v < min || v > max)) throw new UsageError(`--${flag}=${raw} must be a comma list of ${what}`);
  return vals;
}

export function floatOption(args: ParsedArgs, name: string, dflt: number, min: number, max: number): number {
  const raw = args.extra.get(name);
  if (raw === undefined) return dflt;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < min || v > max) throw new UsageError(`--${name}=${raw} must be a number in [${min}, ${max}]`);
  return v;
}

/**
 * An output path is checked before any training: its folder must exist and be
 * writable, and an existing path must be a writable file, so a long run never
 * ends in "cannot write" (the message names the flag).
 */
export function checkOutputPath(args: ParsedArgs, flag: string): string | undefined {
  const path = args.extra.get(flag);
  if (path === undefined) return undefined;
  if (path.trim() === '') throw new UsageError(`--${flag}: the path is empty`);
  const dir = dirname(resolve(path));
  try {
    if (!statSync(dir).isDirectory()) throw new UsageError(`--${flag} ${path}: ${dir} is not a folder`);
    accessSync(dir, constants.W_OK);
    if (existsSync(path)) {
      if (!statSync(path).isFile()) throw new UsageError(`--${flag} ${path}: exists and is not a file`);
      accessSync(path, constants.W_OK);
    }
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`--${flag} ${path}: cannot write there (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return path;
}

export { kebab, camel };
