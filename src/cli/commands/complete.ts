/**
 * `relpix colourise` and `relpix superres`: complete images a user brings with a trained
 * image-to-image model, tile by tile at the model's size.
 */
import { basename, extname, join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { Command } from 'commander';
import { convertChannels, readPngImage } from '../../data/png_folder.js';
import { greyImages, lowResolutionImages, superresFactor, type Shape } from '../../data/tasks.js';
import { quantise } from '../../data/image_set.js';
import { useBackend, type BackendName } from '../../engine/backend.js';
import { UserError } from '../../errors.js';
import { scaleLevels, writePng } from '../../io/png.js';
import { sampleImages } from '../../sample/sampler.js';
import { loadTrainedModel } from '../model_file.js';
import { addEngineOptions, parseInteger } from '../options.js';
import { checkOutputFolder } from '../output_paths.js';
import { createProgress } from '../progress.js';

type CompletionTask = 'colourise' | 'superres';

/** Height and width in pixels of the tiles an image is cut into. */
interface TileSize {
  height: number;
  width: number;
}

/** Cuts an image [H, W, C] into tiles [tiles, tile height, tile width, C], row by row. */
function cutTiles(
  data: Uint8Array,
  height: number,
  width: number,
  channels: number,
  tile: TileSize,
): Uint8Array {
  const columns = width / tile.width;
  const tiles = new Uint8Array(height * width * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const index = Math.floor(y / tile.height) * columns + Math.floor(x / tile.width);
      const to =
        ((index * tile.height + (y % tile.height)) * tile.width + (x % tile.width)) * channels;
      tiles.set(data.subarray((y * width + x) * channels, (y * width + x + 1) * channels), to);
    }
  }
  return tiles;
}

/** Joins tiles [tiles, tile height, tile width, C] back into an image [H, W, C]. */
function joinTiles(
  tiles: Uint8Array,
  height: number,
  width: number,
  channels: number,
  tile: TileSize,
): Uint8Array {
  const columns = width / tile.width;
  const out = new Uint8Array(height * width * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const index = Math.floor(y / tile.height) * columns + Math.floor(x / tile.width);
      const from =
        ((index * tile.height + (y % tile.height)) * tile.width + (x % tile.width)) * channels;
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
  const { height, width, channels, levels } = loaded.model.config;
  const modelTile = { height, width };
  const image = readPngImage(file);
  // Colourisation reads images at the model's size; super-resolution reads low-resolution
  // images and enlarges each low-resolution tile to a model tile.
  const factor = task === 'colourise' ? 1 : superresFactor(height, width);
  const inputTile = { height: height / factor, width: width / factor };
  if (image.width % inputTile.width !== 0 || image.height % inputTile.height !== 0) {
    throw new UserError(
      `relpix: ${file} is ${image.width}x${image.height}, not a whole number of ` +
        `${inputTile.width}x${inputTile.height} tiles for this ${width}x${height} ${task} ` +
        'model; crop or resize it',
    );
  }
  const rgb = convertChannels(image, channels === 1 ? 1 : 3);
  const tilesIn = cutTiles(rgb, image.height, image.width, channels, inputTile);
  const count = tilesIn.length / (inputTile.height * inputTile.width * channels);
  const set = quantise({ images: tilesIn, count, ...inputTile, channels }, levels);
  const shape = { count, height, width, channels };
  const y =
    task === 'colourise'
      ? greyImages(set.images, shape)
      : enlargeTiles(set.images, shape, factor, levels);
  const progress = createProgress();
  progress.start(height * width, 0, `${task} ${basename(file)}`);
  const result = sampleImages(
    loaded.model,
    count,
    options.seed as number,
    (done) => progress.update(done, {}),
    'incremental',
    y,
  );
  progress.stop();
  const outHeight = image.height * factor;
  const outWidth = image.width * factor;
  const tilesOut = scaleLevels(result.images, levels);
  const data = joinTiles(tilesOut, outHeight, outWidth, channels, modelTile);
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

/**
 * Enlarges low-resolution tiles [count, H/factor, W/factor, C] to `shape` [count, H, W, C]
 * bilinearly.
 */
function enlargeTiles(
  low: ArrayLike<number>,
  shape: Shape,
  factor: number,
  levels: number,
): Int32Array {
  // A box reduction of a tile whose factor x factor blocks are constant gives back the low
  // tile, so enlarging through the task's own transform uses its exact interpolation.
  const { count, height, width, channels } = shape;
  const lowHeight = height / factor;
  const lowWidth = width / factor;
  const blocks = new Int32Array(count * height * width * channels);
  for (let b = 0; b < count; b++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const from =
          ((b * lowHeight + Math.floor(y / factor)) * lowWidth + Math.floor(x / factor)) * channels;
        const to = ((b * height + y) * width + x) * channels;
        for (let c = 0; c < channels; c++) blocks[to + c] = low[from + c];
      }
    }
  }
  return lowResolutionImages(blocks, shape, levels);
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
      const trainedFor = loaded.model.config.task ?? 'unconditional';
      if (trainedFor !== task) {
        const article = trainedFor === 'unconditional' ? 'an' : 'a';
        throw new UserError(
          `relpix: ${loaded.path} is ${article} ${trainedFor} model, not a ${task} one; ` +
            `train one with --task ${task}`,
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
