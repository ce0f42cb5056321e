/** `relpix eval`: bits/dim of a trained model on the test or validation images. */
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { UserError } from '../../errors.js';
import type { RunConfig } from '../../train/config.js';
import { useBackend, type BackendName } from '../../engine/backend.js';
import { evaluate } from '../../train/evaluate.js';
import { loadModelSplit, PNG_SPLIT_WARNING } from '../data.js';
import { loadTrainedModel } from '../model_file.js';
import { addEngineOptions, parsePositiveInteger } from '../options.js';
import { createProgress } from '../progress.js';

/** Returns `config` reading the PNG images of `folder` instead of its own, if one is given. */
function withFolder(config: RunConfig, folder: string | undefined): RunConfig {
  if (folder === undefined) return config;
  if (config.data.dataset !== 'png') {
    throw new UserError(
      `relpix: --folder applies to models trained on a PNG folder, and this one was trained ` +
        `on ${config.data.dataset}; leave --folder out`,
    );
  }
  return { ...config, data: { ...config.data, folder: resolve(folder) } };
}

async function runEval(checkpoint: string, command: Command): Promise<void> {
  const options = command.opts();
  await useBackend(options.backend as BackendName);
  const loaded = await loadTrainedModel(checkpoint);
  const config = withFolder(loaded.config, options.folder as string | undefined);
  const set = loadModelSplit(config, options.split, options.data, options.limit);
  if (config.data.dataset === 'png' && options.folder === undefined) {
    console.error(PNG_SPLIT_WARNING);
  }
  const progress = createProgress();
  progress.start(set.count, 0, `eval ${options.split}`);
  const result = evaluate(loaded.model, set, options.batchSize, set.count, (done) =>
    progress.update(done, {}),
  );
  progress.stop();
  const line =
    `${options.split} bits/dim: ${result.bitsPerDim.toFixed(4)} ± ` +
    `${result.standardError.toFixed(4)} (${result.images} images, step ${loaded.step}, ` +
    `${loaded.path})`;
  console.log(line);
  if (options.json) {
    console.log(
      JSON.stringify({
        split: options.split,
        bitsPerDim: result.bitsPerDim,
        standardError: result.standardError,
        images: result.images,
        step: loaded.step,
        checkpoint: loaded.path,
        levels: loaded.config.model.levels,
        parameters: loaded.model.parameterCount,
      }),
    );
  }
  loaded.model.dispose();
}

export function evalCommand(): Command {
  const command = new Command('eval')
    .description('print the bits/dim of a trained model, with its standard error over images')
    .argument('<checkpoint>', 'a run folder (its latest checkpoint) or a checkpoint folder')
    .addOption(
      new Option('--split <name>', 'images to score')
        .choices(['test', 'validation'])
        .default('test'),
    )
    .option(
      '--folder <dir>',
      'score the PNG images of this folder (held-out images) instead of the training folder',
    )
    .option('--limit <n>', 'score only the first n images', parsePositiveInteger)
    .option('--batch-size <n>', 'images per forward pass', parsePositiveInteger, 64)
    .option('--json', 'also print the result as one JSON line');
  addEngineOptions(command);
  command.action(async (checkpoint: string, _options, cmd: Command) => runEval(checkpoint, cmd));
  return command;
}
