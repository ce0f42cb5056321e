/** `relpix experiment`: trains and evaluates every row of a suite for several seeds. */
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { BACKEND_NAMES } from '../../engine/backend.js';
import { UserError } from '../../errors.js';
import { formatCommand, runExperiment, runFolder } from '../../experiment/runner.js';
import { SCALES, findScale, trainArguments } from '../../experiment/scales.js';
import { SUITES, findSuite, selectRows } from '../../experiment/suites.js';
import { readResults } from '../../experiment/results.js';
import { parsePositiveInteger } from '../options.js';
import { checkOutputFile, checkOutputFolder } from '../output_paths.js';

/** Upper limit of --seeds, far above any useful count, which keeps a typo from looping for ever. */
const MAX_SEEDS = 1000;

/** Default results file of a scale: committed next to the report that reads it. */
export function defaultResultsPath(scale: string): string {
  return join('results', `${scale}.jsonl`);
}

async function runExperimentCommand(suiteName: string, command: Command): Promise<void> {
  const options = command.opts();
  const suite = findSuite(suiteName);
  const scale = findScale(options.scale as string);
  const rowIds =
    options.rows === undefined
      ? undefined
      : [...new Set((options.rows as string).split(',').map((id) => id.trim()))];
  const rows = selectRows(suite, rowIds);
  const runsDir = options.runs as string;
  const resultsPath = (options.results as string | undefined) ?? defaultResultsPath(scale.name);
  const seedCount = options.seeds as number;
  if (seedCount > MAX_SEEDS) {
    throw new UserError(
      `relpix: seeds is ${seedCount}, expected an integer from 1 to ${MAX_SEEDS}`,
    );
  }
  const seeds = Array.from({ length: seedCount }, (_, k) => k + 1);

  if (options.list) {
    console.log(`${suite.title}, scale ${scale.name}: ${scale.description}`);
    for (const row of rows) {
      const out = runFolder({ runsDir, scale, suite }, row, 1);
      console.log(`${row.id.padEnd(8)} ${row.label}`);
      console.log(`         ${formatCommand([...trainArguments(scale, row, 1), '--out', out])}`);
    }
    return;
  }

  // Checked before any training, so that an unusable path fails at once and not after a row.
  checkOutputFile(resultsPath, '--results');
  checkOutputFolder(runsDir, '--runs');
  readResults(resultsPath);

  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(130);
    console.error(
      `relpix: ${name} received; the running row saves a checkpoint, then the runner stops`,
    );
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  console.log(
    `relpix experiment ${suite.name}: ${plural(rows.length, 'row')} x ` +
      `${plural(seeds.length, 'seed')} (${plural(rows.length * seeds.length, 'run')}) at scale ` +
      `${scale.name}; results in ${resultsPath}, run folders under ${join(runsDir, scale.name)}`,
  );
  const started = performance.now();
  let summary: Awaited<ReturnType<typeof runExperiment>>;
  try {
    summary = await runExperiment({
      suite,
      scale,
      rows,
      seeds,
      runsDir,
      resultsPath,
      data: options.data as string | undefined,
      backend: options.backend as string | undefined,
      workers: options.workers as number | undefined,
      log: (line) => console.log(line),
      signal: controller.signal,
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const minutes = ((performance.now() - started) / 60000).toFixed(1);
  console.log(
    `relpix experiment ${suite.name}: ${plural(summary.finished, 'run')} finished, ${summary.skipped} ` +
      `already in ${resultsPath}, ${summary.failed.length} failed, ${minutes} min`,
  );
  if (summary.interrupted) {
    console.error('relpix: interrupted; run the same command again to continue');
    process.exitCode = 130;
    return;
  }
  if (summary.failed.length > 0) {
    throw new UserError(
      `relpix: ${plural(summary.failed.length, 'run')} failed (${summary.failed.join(', ')}); ` +
        'the lines above give each cause (a run folder in use, or the end of its ' +
        'experiment.log); fix it and run the same command again',
    );
  }
}

/** Folder of the run folders when --runs is not given. */
export const DEFAULT_RUNS_DIR = 'runs/experiments';

/** Returns `count word`, with an s for any count but 1. */
function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

export function experimentCommand(): Command {
  return new Command('experiment')
    .description(
      'train and evaluate every row of an experiment suite for several seeds, skipping finished ' +
        'rows and resuming interrupted ones; results go to a JSON Lines file',
    )
    .argument('<suite>', `one of ${Object.keys(SUITES).join(', ')}`)
    .addOption(
      new Option('--scale <name>', 'model size and budget shared by every row')
        .choices(Object.keys(SCALES))
        .default('small'),
    )
    .option('--seeds <n>', 'seeds 1..n of every row', parsePositiveInteger, 3)
    .option('--rows <ids>', 'comma-separated row ids to run, such as u0,c2 (default: all)')
    .option('--runs <dir>', 'folder for the run folders', DEFAULT_RUNS_DIR)
    .option('--results <file>', 'JSON Lines results file (default: results/<scale>.jsonl)')
    .option('--list', 'print the rows and their training commands, then stop')
    .option(
      '--data <dir>',
      'data root holding cifar10/cifar-10-batches-bin/ (default: $RELPIX_DATA, then the download cache)',
    )
    .addOption(new Option('--backend <name>', 'TensorFlow.js backend').choices(BACKEND_NAMES))
    .option(
      '--workers <n>',
      'data-parallel worker threads of each training run (default: the number of cores)',
      parsePositiveInteger,
    )
    .action(async (suite: string, _options, cmd: Command) => runExperimentCommand(suite, cmd));
}
