/** `relpix eval`: bits/dim of a trained model on the test or validation images. */
import { Command, Option } from 'commander';
import { useBackend, type BackendName } from '../../engine/backend.js';
import { evaluate } from '../../train/evaluate.js';
import { loadSplit } from '../data.js';
import { loadTrainedModel } from '../model_file.js';
import { addEngineOptions, parsePositiveInteger } from '../options.js';
import { createProgress } from '../progress.js';

async function runEval(checkpoint: string, command: Command): Promise<void> {
  const options = command.opts();
  await useBackend(options.backend as BackendName);
  const loaded = await loadTrainedModel(checkpoint);
  const set = loadSplit(loaded.config, options.split, options.data, options.limit);
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
    .option('--limit <n>', 'score only the first n images', parsePositiveInteger)
    .option('--batch-size <n>', 'images per forward pass', parsePositiveInteger, 64)
    .option('--json', 'also print the result as one JSON line');
  addEngineOptions(command);
  command.action(async (checkpoint: string, _options, cmd: Command) => runEval(checkpoint, cmd));
  return command;
}
