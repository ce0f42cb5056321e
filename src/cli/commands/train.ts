/** `relpix train`: trains a model, reports validation and test bits/dim and writes samples. */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { useBackend, type BackendName } from '../../engine/backend.js';
import { latestCheckpoint } from '../../io/checkpoint.js';
import { UserError } from '../../errors.js';
import { checkTaskImages } from '../../data/tasks.js';
import { validatePredictors } from '../../model/predictors/config.js';
import { validateRunConfig, type RunConfig } from '../../train/config.js';
import { evaluate } from '../../train/evaluate.js';
import { checkRunFolder, trainModel } from '../../train/trainer.js';
import { loadModelSplit, loadSplit, matchModelToData, PNG_SPLIT_WARNING } from '../data.js';
import { addEngineOptions, addRunOptions, parseInteger, resolveRunConfig } from '../options.js';
import { checkOutputFolder } from '../output_paths.js';
import { createProgress } from '../progress.js';
import { parseSampleCount } from './sample.js';
import { formatShares, writeSampleGrid } from '../samples.js';

/**
 * Returns a signal that the first Ctrl-C (SIGINT) or SIGTERM aborts, so that training saves a
 * checkpoint and stops. A second one ends the process at once.
 */
function interruptSignal(): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write(`\nrelpix: ${name} received; saving a checkpoint after this step\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // After training, Ctrl-C ends the process as usual (during the test evaluation or sampling).
  const release = (): void => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
  return { signal: controller.signal, release };
}

/** Reads the configuration saved with the latest checkpoint of `outDir`, if there is one. */
function checkpointConfig(outDir: string): RunConfig | undefined {
  const folder = latestCheckpoint(outDir);
  if (folder === undefined) return undefined;
  const path = join(folder, 'state.json');
  let state: { config?: RunConfig };
  try {
    state = JSON.parse(readFileSync(path, 'utf8')) as { config?: RunConfig };
  } catch (error) {
    throw new UserError(
      `relpix: cannot resume because ${path} is unreadable or not valid JSON ` +
        `(${(error as Error).message}). Delete ${folder} to resume from an older ` +
        'checkpoint if the run has one, or start a new run.',
    );
  }
  if (state?.config?.model === undefined) {
    throw new UserError(
      `relpix: cannot resume because ${path} has no run configuration. Resume only from ` +
        'checkpoints written by relpix train, or start a new run.',
    );
  }
  return state.config;
}

async function runTrain(command: Command): Promise<void> {
  const options = command.opts();
  const outDir = options.out as string;
  // Checked before the data loads, so that an unusable --out fails at once.
  checkOutputFolder(outDir, '--out');
  checkRunFolder(outDir, Boolean(options.resume));
  const base = options.resume ? checkpointConfig(outDir) : undefined;
  const config = resolveRunConfig(command, base);
  // Saved absolute, so that eval and sample find the folder from any working directory.
  if (config.data.folder !== undefined) config.data.folder = resolve(config.data.folder);
  // Checked before the data loads, so that a bad flag fails fast and under its own name.
  validateRunConfig(config);
  validatePredictors(config.model.predictors, config.model.levels, { needKept: false });
  if (!Number.isInteger(options.workers) || options.workers < 1 || options.workers > 64) {
    throw new UserError(`relpix: workers is ${options.workers}, expected an integer from 1 to 64`);
  }
  const microBatch = (options.microBatch as number | undefined) ?? 0;
  if (!Number.isInteger(microBatch) || microBatch < 0) {
    throw new UserError(
      `relpix: micro-batch is ${microBatch}, expected an integer of 0 (one pass) or more`,
    );
  }
  await useBackend(options.backend as BackendName);
  const progress = createProgress();

  // A resumed run must read images of the geometry its checkpoint was trained on.
  const load = base === undefined ? loadSplit : loadModelSplit;
  const train = load(config, 'train', options.data, config.data.trainLimit || undefined);
  matchModelToData(config, train);
  const { task, height, width, channels } = config.model;
  checkTaskImages(task ?? 'unconditional', height, width, channels);
  if (config.data.dataset === 'png') console.error(PNG_SPLIT_WARNING);
  if (options.epochs !== undefined) {
    if (!(options.epochs > 0)) {
      throw new UserError(`relpix: epochs is ${options.epochs}, expected a number above 0`);
    }
    config.train.steps = Math.ceil((options.epochs * train.count) / config.train.batchSize);
  }
  const validation = loadModelSplit(config, 'validation', options.data);
  console.log(
    `relpix train: backend ${options.backend}, ${train.count} training images, ` +
      `${validation.count} validation images, run folder ${outDir}`,
  );
  console.log(JSON.stringify(config));

  const interrupt = interruptSignal();
  let result: Awaited<ReturnType<typeof trainModel>>;
  try {
    result = await trainModel({
      config,
      outDir,
      resume: Boolean(options.resume),
      train,
      validation,
      progress,
      workers: options.workers as number,
      microBatch,
      backend: options.backend as BackendName,
      signal: interrupt.signal,
    });
  } finally {
    interrupt.release();
  }
  if (result.stoppedBy === 'interrupt') {
    const saved = result.checkpoint ?? latestCheckpoint(outDir);
    console.error(
      `relpix: interrupted after step ${result.step}; saved checkpoint ${saved}. ` +
        `Continue with the same command plus --resume`,
    );
    process.exitCode = 130;
    result.model.dispose();
    return;
  }
  console.log(`parameters: ${result.model.parameterCount}`);
  console.log(`stopped after step ${result.step} (${result.stoppedBy} budget reached)`);
  if (result.validation) {
    const v = result.validation;
    console.log(
      `validation bits/dim: ${v.bitsPerDim.toFixed(4)} ± ${v.standardError.toFixed(4)} (${v.images} images)`,
    );
  }
  if (options.test) {
    const test = loadModelSplit(config, 'test', options.data);
    const t = evaluate(result.model, test, 64);
    console.log(
      `test bits/dim: ${t.bitsPerDim.toFixed(4)} ± ${t.standardError.toFixed(4)} (${t.images} images)`,
    );
    writeFileSync(
      join(outDir, 'test.json'),
      `${JSON.stringify({ step: result.step, bitsPerDim: t.bitsPerDim, standardError: t.standardError, images: t.images })}\n`,
    );
  }
  if (options.samples > 0) {
    const path = join(outDir, 'samples.png');
    const grid = await writeSampleGrid(
      result.model,
      path,
      options.samples,
      config.train.seed,
      createProgress(),
      'incremental',
      validation,
    );
    console.log(`samples: ${path} (pixels made by each predictor: ${formatShares(grid.shares)})`);
  }
  console.log(`checkpoint: ${result.checkpoint ?? latestCheckpoint(outDir)}`);
  result.model.dispose();
}

export function trainCommand(): Command {
  const command = new Command('train').description(
    'train a model on a data set, then report validation and test bits/dim and write samples',
  );
  addRunOptions(command);
  addEngineOptions(command);
  command
    .optionsGroup('Speed:')
    .addOption(
      new Option('--workers <n>', 'data-parallel worker threads, each with its own TensorFlow.js')
        .argParser(parseInteger)
        .default(cpus().length, `${cpus().length}, the number of cores`),
    )
    .option(
      '--micro-batch <n>',
      'largest number of images per forward and backward pass in each worker; a step sums ' +
        'the gradients of several passes, which lowers memory use (default: one pass)',
      parseInteger,
    )
    .optionsGroup('Output:')
    .option('--out <dir>', 'run folder for checkpoints, metrics.jsonl and samples', 'runs/default')
    .option('--resume', 'continue from the latest checkpoint in --out')
    .option('--no-test', 'skip the test-set evaluation at the end')
    .option(
      '--samples <n>',
      'samples drawn into samples.png at the end, 0 for none, at most 1024',
      parseSampleCount,
      16,
    )
    .action(async (_options, cmd: Command) => runTrain(cmd));
  return command;
}
