/**
 * grokscope — the headless runner: the lab's engine and shaders on Dawn (npm
 * `webgpu`), for runs, sweeps and benchmarks without a browser.
 */
import { WebGpuUnavailableError } from '../engine/device';
import { PRESETS } from '../config/presets';
import { settingsHelp, UsageError } from './flags';
import { DeviceLostError, DivergedError } from './session';

const HELP = `grokscope — train the lab's network headless, on WebGPU through Dawn

usage:
  grokscope train [settings] [--steps N] [--out run.json] [--csv metrics.csv] [--stop-at ACC] [--instruments [--gramian-rows N] [--whole-gramian STEPS [--whole-gramian-at STEPS]]] [--quiet]
  grokscope sweep [settings] [--variants LIST] [--seeds LIST] [--lrs LIST] [--steps N] [--out sweep.json] [--csv sweep.csv]
  grokscope sweep --widths LIST [settings] [--seeds LIST] [--steps N] [--out sweep.json] [--csv sweep.csv]
  grokscope bench [--sizes small,mid,large] [--presets tiny,lecture,paper] [--rounds 2] [--min-ms 1000] [--out bench.json] [--md bench.md]
  grokscope --help

settings (the same table as the lab's URL; --preset NAME starts from a preset: ${PRESETS.map((p) => p.name).join(', ')}):
${settingsHelp()}

train:   --steps (default 3000; 0 writes the initial weights), --out (run file JSON), --csv (metrics),
         --stop-at (stop once held-out accuracy ≥ this), --instruments (theory instruments every
         --instrument-every steps, default 50, into the run file), --gramian-rows (the dense W on the
         whole training set up to this many centred outputs n·(p−1), default 700; above it W runs on a
         256-row sub-probe: O(N³) per measurement, ~1 min at N = 1,824 on this 2-core VM),
         --whole-gramian (where W is a sub-probe, also read W̄ on the whole training set matrix-free with
         this many Lanczos steps: bounds and estimates of the channel; slow, its cost grows with the
         intervals since the start — see docs/theory.md; --whole-gramian-at 400,800: only at the
         measurements of these steps)
sweep:   --variants (comma list of OPT or OPT+GATE, default adamw,adamw+exact-hard,adamw+exact-soft,
         adamw+stream,cautious,grokfast), --seeds (default 1,2,3,4,5), --lrs (default: the --lr setting),
         --steps (budget per run, default 3000). Prints steps to 99% train and 95% held-out accuracy,
         median and range over seeds, censored runs counted as such, and the ratio to adamw.
sweep --widths: one run per width and seed (default seeds 1,2,3), each to the end of --steps; prints per
         width P (parameters), n·k (training outputs), median [range] of held-out and train error (MSE per
         output for task=regress, 1 − accuracy otherwise) and the noise's energy share in the signal channel
         from the last instrument snapshot (needs --instrument-every > 0). With --preset regress it is the
         double-descent sweep across P ≈ n·k.
bench:   steps/s at three sizes (plain and gated), matmul GFLOP/s per kernel variant, copy bandwidth,
         the instruments' cost per preset and the autotuner's table, measured in one run.

exit codes: 0 ok, 2 bad flags, 3 no WebGPU adapter / device lost, 4 training diverged, 1 other errors`;

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help' || rest.includes('--help')) {
      process.stdout.write(HELP + '\n');
      return cmd === undefined ? 2 : 0;
    }
    if (cmd === 'train') await (await import('./train')).trainCommand(rest);
    else if (cmd === 'sweep') await (await import('./sweep')).sweepCommand(rest);
    else if (cmd === 'bench') await (await import('./bench')).benchCommand(rest);
    else throw new UsageError(`unknown command "${cmd}" (train, sweep, bench)`);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`grokscope: ${e.message}\n(run grokscope --help for the flags and their ranges)\n`);
      return 2;
    }
    if (e instanceof WebGpuUnavailableError) {
      process.stderr.write(`grokscope: no WebGPU: ${e.reason}\n`);
      return 3;
    }
    if (e instanceof DeviceLostError) {
      process.stderr.write(`grokscope: ${e.message}\n`);
      return 3;
    }
    if (e instanceof DivergedError) {
      process.stderr.write(`grokscope: ${e.message}\n`);
      return 4;
    }
    process.stderr.write(`grokscope: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

// Exit only once stdout and stderr have drained: on a pipe their writes are asynchronous, and
// process.exit() right after a large table can drop it (seen on a loaded machine: status 0, empty stdout).
const exitAfterFlush = (code: number) => process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
void main(process.argv.slice(2)).then(exitAfterFlush);
