/** Loading of a run's data split as its configuration describes, for the commands. */
import { loadDataset } from '../data/dataset.js';
import type { ImageSet } from '../data/image_set.js';
import { resolveDataDir } from '../data/location.js';
import type { Split } from '../data/split.js';
import { UserError } from '../errors.js';
import type { RunConfig } from '../train/config.js';

/**
 * Loads `split` of the run's data set at the run's size and levels. `dataFlag` is the --data
 * option; a PNG folder has no splits, so every split of `png` is the whole folder. PNG files
 * are converted to `pngChannels` when given.
 */
export function loadSplit(
  config: RunConfig,
  split: Split,
  dataFlag: string | undefined,
  limit?: number,
  pngChannels?: 1 | 3,
): ImageSet {
  const { data, model } = config;
  const common = { size: data.size === 0 ? undefined : data.size, levels: model.levels, limit };
  if (data.dataset === 'png') {
    if (data.folder === undefined) {
      throw new UserError('relpix: --dataset png needs --folder DIR with the PNG images');
    }
    return loadDataset({ name: 'png', dir: data.folder, ...common, channels: pngChannels });
  }
  return loadDataset({ name: data.dataset, root: resolveDataDir(dataFlag), split, ...common });
}

/**
 * Loads `split` like loadSplit for a model whose geometry is already set, and throws a
 * UserError when the images do not have that geometry (a PNG folder whose files changed).
 * PNG files are converted to the model's channel count.
 */
export function loadModelSplit(
  config: RunConfig,
  split: Split,
  dataFlag: string | undefined,
  limit?: number,
): ImageSet {
  const { data, model } = config;
  const pngChannels = model.channels === 1 || model.channels === 3 ? model.channels : undefined;
  const set = loadSplit(config, split, dataFlag, limit, pngChannels);
  if (set.height !== model.height || set.width !== model.width || set.channels !== model.channels) {
    const source = data.dataset === 'png' ? `PNG folder ${data.folder}` : data.dataset;
    throw new UserError(
      `relpix: the ${source} gives ${set.width}x${set.height} images with ${set.channels} ` +
        `channels, but the model was trained on ${model.width}x${model.height} with ` +
        `${model.channels}; use the images the model was trained on`,
    );
  }
  return set;
}

/** Warning printed by commands that score a PNG folder, which has no held-out images. */
export const PNG_SPLIT_WARNING =
  'warning: a PNG folder has no held-out split, so validation and test bits/dim are measured ' +
  'on the training images';

/** Sets the model's image geometry from the data it will read. */
export function matchModelToData(config: RunConfig, set: ImageSet): void {
  config.model.height = set.height;
  config.model.width = set.width;
  config.model.channels = set.channels;
}
