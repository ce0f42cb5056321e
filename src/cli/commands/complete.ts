/**
 * `relpix colourise` and `relpix superres`: complete images a user brings with a trained
 * image-to-image model, tile by tile at the model's size.
 */
import { basename, extname, join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { Command } from 'commander';
import { convertChannels, readPngImage } from '../../data/png_folder.js';
import { greyImages, lowResolutionSide } from '../../data/tasks.js';
import { quantise } from '../../data/image_set.js';
import { useBackend, type BackendName } from '../../engine/backend.js';
import { UserError } from '../../errors.js';
import { scaleLevels, writePng } from '../../io/png.js';
import { sampleImages } from '../../sample/sampler.js';
import { lowResolutionImages } from '../../data/tasks.js';
import { loadTrainedModel } from '../model_file.js';
import { addEngineOptions, parseInteger } from '../options.js';
import { checkOutputFolder } from '../output_paths.js';
import { createProgress } from '../progress.js';

type CompletionTask = 'colourise' | 'superres';

/** Cuts an image [H, W, C] into tiles [tiles, side, side, C], row by row. */
function cutTiles(
  data: Uint8Array,
  height: number,
  width: number,
  channels: number,
  side: number,
): Uint8Array {
  const rows = height / side;
  const columns = width / side;
  const tiles = new Uint8Array(rows * columns * side * side * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const tile = Math.floor(y / side) * columns + Math.floor(x / side);
      const to = ((tile * side + (y % side)) * side + (x % side)) * channels;
      tiles.set(data.subarray((y * width + x) * channels, (y * width + x + 1) * channels), to);
    }
  }
  return tiles;
}

/** Joins tiles [tiles, side, side, C] back into an image [H, W, C]. */
function joinTiles(
  tiles: Uint8Array,
  height: number,
  width: number,
  channels: number,
  side: number,
): Uint8Array {
  const columns = width / side;
  const out = new Uint8Array(height * width * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const tile = Math.floor(y / side) * columns + Math.floor(x / side);
      const from = ((tile * side + (y % side)) * side + (x % side)) * channels;
      out.set(tiles.subarray(from, from + channels), (y * width + x) * channels);
    }
  }
  return out;
}

/** Returns the PNG file that completing `file` writes in `outDir`. */
function outputPath(task: CompletionTask, file: string, outDir: string): string {
  return join(outDir, `${basename(file, extname(file))}.${task}.png`);
}

/** Throws a UserError when two input files would be written to the same output file. */
function checkDistinctOutputs(task: CompletionTask, files: string[], outDir: string): void {
  const inputs = new Map<string, string>();
  for (const file of files) {
    const path = outputPath(task, file, outDir);
    const earlier = inputs.get(path);
    if (earlier !== undefined) {
      throw new UserError(
        `relpix: ${earlier} and ${file} would both be written to ${path}; rename one of ` +
          'them, or complete them in separate runs with different --out folders',
      );
    }
    inputs.set(path, file);
  }
}

async function completeFile(
  task: CompletionTask,
  loaded: Awaited<ReturnType<typeof loadTrainedModel>>,
  file: string,
  options: Record<string, unknown>,
): Promise<string> {
  const { height: side, channels, levels } = loaded.model.config;
  const image = readPngImage(file);
  // Colourisation reads images at the model's size; super-resolution reads low-resolution
  // images and enlarges each low-resolution tile to a model tile.
  const inputSide = task === 'colourise' ? side : lowResolutionSide(side);
  if (image.width % inputSide !== 0 || image.height % inputSide !== 0) {
    throw new UserError(
      `relpix: ${file} is ${image.width}x${image.height}, not a whole number of ` +
        `${inputSide}x${inputSide} tiles for this ${side}x${side} ${task} model; crop or resize it`,
    );
  }
  const rgb = convertChannels(image, channels === 1 ? 1 : 3);
  const tilesIn = cutTiles(rgb, image.height, image.width, channels, inputSide);
  const count = tilesIn.length / (inputSide * inputSide * channels);
  const set = quantise(
    { images: tilesIn, count, height: inputSide, width: inputSide, channels },
    levels,
  );
  const shape = { count, height: side, width: side, channels };
  const y =
    task === 'colourise'
      ? greyImages(set.images, shape)
      : enlargeTiles(set.images, count, inputSide, side, channels, levels);
  const progress = createProgress();
  progress.start(side * side, 0, `${task} ${basename(file)}`);
  const result = sampleImages(
    loaded.model,
    count,
    options.seed as number,
    (done) => progress.update(done, {}),
    'incremental',
    y,
  );
  progress.stop();
  const factor = side / inputSide;
  const outHeight = image.height * factor;
  const outWidth = image.width * factor;
  const tilesOut = scaleLevels(result.images, levels);
  const data = joinTiles(tilesOut, outHeight, outWidth, channels, side);
  const outDir = options.out as string;
  mkdirSync(outDir, { recursive: true });
  const path = outputPath(task, file, outDir);
  await writePng(path, {
    data,
    width: outWidth,
    height: outHeight,
    channels: channels === 1 ? 1 : 3,
  });
  return path;
}

/** Enlarges low-resolution tiles [count, low, low, C] to [count, side, side, C] bilinearly. */
function enlargeTiles(
  values: Uint8Array,
  count: number,
  low: number,
  side: number,
  channels: number,
  levels: number,
): Int32Array {
  // A box reduction of a side x side tile whose blocks are constant gives back the low tile,
  // so enlarging through the task's own transform uses its exact interpolation.
  const factor = side / low;
  const blocks = new Int32Array(count * side * side * channels);
  for (let b = 0; b < count; b++) {
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        const from = ((b * low + Math.floor(y / factor)) * low + Math.floor(x / factor)) * channels;
        const to = ((b * side + y) * side + x) * channels;
        for (let c = 0; c < channels; c++) blocks[to + c] = values[from + c];
      }
    }
  }
  return lowResolutionImages(blocks, { count, height: side, width: side, channels }, levels);
}

function completionCommand(task: CompletionTask, description: string): Command {
  const command = new Command(task)
    .description(description)
    .argument('<checkpoint>', `a run folder or checkpoint of a --task ${task} model`)
    .argument('<png...>', 'PNG files to complete')
    .option('--out <dir>', 'folder for the completed PNG files', '.')
    .option('--seed <n>', 'seed of the draws', parseInteger, 1);
  addEngineOptions(command);
  command.action(async (checkpoint: string, files: string[], _options, cmd: Command) => {
    const options = cmd.opts();
    checkOutputFolder(options.out as string, '--out');
    checkDistinctOutputs(task, files, options.out as string);
    await useBackend(options.backend as BackendName);
    const loaded = await loadTrainedModel(checkpoint);
    try {
      if ((loaded.model.config.task ?? 'unconditional') !== task) {
        throw new UserError(
          `relpix: ${loaded.path} is a ${loaded.model.config.task ?? 'unconditional'} model, ` +
            `not a ${task} one; train one with --task ${task}`,
        );
      }
      for (const file of files) {
        console.log(`wrote ${await completeFile(task, loaded, file, options)}`);
      }
    } finally {
      loaded.model.dispose();
    }
  });
  return command;
}

export function colouriseCommand(): Command {
  return completionCommand(
    'colourise',
    'colour grey or colour PNG images (colour input is turned grey first) with a colourisation model',
  );
}

export function superresCommand(): Command {
  return completionCommand(
    'superres',
    'enlarge low-resolution PNG images 4x (per tile of a quarter of the model side) with a super-resolution model',
  );
}
