/** `grokscope train`: one run, progress on stderr, summary JSON on stdout, run file and CSV on request. */
import { writeFileSync } from 'node:fs';
import { netLayout } from '../model/arch';
import { progressText } from '../model/run';
import { buildRunFile } from '../model/runfile';
import { metricsCsv } from '../model/csv';
import { checkOutputPath, configFromArgs, floatOption, intListOption, intOption, parseArgs, UsageError } from './flags';
import { cliGpu, runTraining } from './session';
import type { InstrumentOptions } from '../theory/instruments';

export const TRAIN_OPTIONS = ['steps', 'out', 'csv', 'stop-at', 'gramian-rows', 'whole-gramian', 'whole-gramian-at'] as const;

/** The Gramian's flags (they need --instruments), checked before the GPU is touched. */
function instrumentOptions(args: ReturnType<typeof parseArgs>): Partial<InstrumentOptions> {
  const names = ['gramian-rows', 'whole-gramian', 'whole-gramian-at'].filter((n) => args.extra.has(n));
  if (names.length > 0 && !args.bools.has('instruments')) throw new UsageError(`--${names[0]} reads the theory instruments: add --instruments`);
  if (args.extra.has('whole-gramian-at') && !args.extra.has('whole-gramian')) throw new UsageError('--whole-gramian-at needs --whole-gramian STEPS');
  return {
    // the dense W on the whole training set up to this many centred rows (default 700; above it, a sub-probe)
    ...(args.extra.has('gramian-rows') ? { gramianMaxRows: intOption(args, 'gramian-rows', 700, 2, 20_000) } : {}),
    // the matrix-free whole-set W̄ (theory/wholeGramian.ts) with this many outer Lanczos steps, where the dense W is a sub-probe
    wholeGramianSteps: args.extra.has('whole-gramian') ? intOption(args, 'whole-gramian', 40, 1, 2000) : 0,
    wholeGramianAt: args.extra.has('whole-gramian-at')
      ? intListOption(args.extra.get('whole-gramian-at')!, 'whole-gramian-at', 0, 10_000_000, 'training steps (whole numbers ≥ 0), e.g. 400,800')
      : null,
  };
}

export async function trainCommand(argv: string[]): Promise<void> {
  const args = parseArgs(argv, TRAIN_OPTIONS, ['instruments', 'quiet']);
  const config = configFromArgs(args);
  const steps = intOption(args, 'steps', 3000, 0, 10_000_000);
  const stopAt = args.extra.has('stop-at') ? floatOption(args, 'stop-at', 1, 0, 1) : undefined;
  if (stopAt !== undefined && config.task === 'regress') throw new UsageError('--stop-at is a held-out accuracy; the regress task has none (it reports MSE)');
  const quiet = args.bools.has('quiet');
  const gramianOptions = instrumentOptions(args);
  const outPath = checkOutputPath(args, 'out');
  const csvPath = checkOutputPath(args, 'csv');
  const gpu = await cliGpu();
  if (!quiet) process.stderr.write(`adapter: ${gpu.adapterName}\n`);
  const instruments: unknown[] = [];
  let hook;
  if (args.bools.has('instruments')) {
    if (config.instrumentEvery <= 0) config.instrumentEvery = 50;
    const { recordInstruments } = await import('./instruments');
    hook = await recordInstruments(config, instruments, gramianOptions);
  }
  const result = await runTraining(config, {
    steps,
    stopAtTestAcc: stopAt,
    hook,
    onProgress: quiet
      ? undefined
      : (step, r, sps) => {
          const acc = r ? `${progressText(r)}  loss ${r.trainLoss.toFixed(4)}` : '';
          process.stderr.write(`\rstep ${step}/${steps}  ${acc}  ${sps.toFixed(1)} steps/s   `);
        },
  });
  if (!quiet) process.stderr.write('\n');
  const t = result.trainer;
  const last = result.rows[result.rows.length - 1];
  if (outPath) {
    const state = await t.readState();
    const file = buildRunFile({ config: t.config, dataset: t.dataset, step: t.step, metrics: result.rows, events: t.events, state, layout: netLayout(config), instruments });
    writeFileSync(outPath, JSON.stringify(file));
  }
  if (csvPath) writeFileSync(csvPath, metricsCsv([{ metrics: result.rows }]));
  t.destroy();
  const summary = {
    adapter: gpu.adapterName,
    steps: t.step,
    seconds: Number(result.seconds.toFixed(2)),
    stepsPerSec: Number(result.stepsPerSec.toFixed(2)),
    // accuracy milestones exist for the modular tasks only (regress reports MSE in `final`)
    ...(config.task === 'regress'
      ? {}
      : {
          stepsToTrain99: result.train99,
          /** grokked, by the one definition (src/model/grok.ts): held-out ≥ 95% at or after memorisation */
          stepsToTest95: result.grokked,
        }),
    recoveries: result.recoveries,
    final: last ?? null,
  };
  process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
}
