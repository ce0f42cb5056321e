/** `relpix sample`: draws images from a trained model into a PNG grid. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { SAMPLERS } from '../../sample/state_source.js';
import { useBackend, type BackendName } from '../../engine/backend.js';
import { loadModelSplit } from '../data.js';
import { loadTrainedModel } from '../model_file.js';
import { addEngineOptions, parseInteger, parsePositiveInteger } from '../options.js';
import { checkOutputFile } from '../output_paths.js';
import { createProgress } from '../progress.js';
import { formatShares, writeSampleGrid } from '../samples.js';

/** Parses a sample count: sampling keeps the whole batch in one tensor, so it is capped at 1,024. */
export function parseSampleCount(text: string): number {
  const count = Number(text) === 0 ? 0 : parsePositiveInteger(text);
  if (count > 1024) {
    throw new InvalidArgumentError(
      `${count} is above 1024; draw several grids with different --seed`,
    );
  }
  return count;
}

function parseImageCount(text: string): number {
  const count = parseSampleCount(text);
  if (count === 0) throw new InvalidArgumentError(`'${text}' is not a positive integer.`);
  return count;
}

async function runSample(checkpoint: string, command: Command): Promise<void> {
  const options = command.opts();
  checkOutputFile(options.out, '--out');
  await useBackend(options.backend as BackendName);
  const loaded = await loadTrainedModel(checkpoint);
  const task = loaded.model.config.task ?? 'unconditional';
  // An image-to-image model samples from the conditioning images of the first test images.
  const originals =
    task === 'unconditional'
      ? undefined
      : loadModelSplit(loaded.config, options.split, options.data, options.count);
  const result = await writeSampleGrid(
    loaded.model,
    options.out,
    options.count,
    options.seed,
    createProgress(),
    options.sampler,
    originals,
  );
  console.log(`pixels made by each predictor: ${formatShares(result.shares)}`);
  console.log(`wrote ${options.count} samples to ${options.out} (model step ${loaded.step})`);
  loaded.model.dispose();
}

export function sampleCommand(): Command {
  const command = new Command('sample')
    .description('draw images from a trained model and write them as a PNG grid')
    .argument('<checkpoint>', 'a run folder (its latest checkpoint) or a checkpoint folder')
    .option('--count <n>', 'number of images, 1 to 1024', parseImageCount, 16)
    .option('--seed <n>', 'seed of the draws; the same seed gives the same images', parseInteger, 1)
    .option('--out <file>', 'PNG file to write', 'samples.png')
    .addOption(
      new Option('--sampler <kind>', 'incremental caches, or a whole-network pass per pixel')
        .choices(SAMPLERS)
        .default('incremental'),
    )
    .addOption(
      new Option('--split <name>', 'images whose inputs a colourise or superres model completes')
        .choices(['test', 'validation'])
        .default('test'),
    );
  addEngineOptions(command);
  command.action(async (checkpoint: string, _options, cmd: Command) => runSample(checkpoint, cmd));
  return command;
}
