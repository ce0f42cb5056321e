/** Loading of a run's data split as its configuration describes, for the commands. */
import { loadDataset } from '../data/dataset.js';
import type { ImageSet } from '../data/image_set.js';
import { resolveDataDir } from '../data/location.js';
import type { Split } from '../data/split.js';
import { UserError } from '../errors.js';
import type { RunConfig } from '../train/config.js';

/**
 * Loads `split` of the run's data set at the run's size and levels. `dataFlag` is the --data
 * option; a PNG folder has no splits, so every split of `png` is the whole folder.
 */
export function loadSplit(
  config: RunConfig,
  split: Split,
  dataFlag: string | undefined,
  limit?: number,
): ImageSet {
  const { data, model } = config;
  const common = { size: data.size === 0 ? undefined : data.size, levels: model.levels, limit };
  if (data.dataset === 'png') {
    if (data.folder === undefined) {
      throw new UserError('relpix: --dataset png needs --folder DIR with the PNG images');
    }
    return loadDataset({ name: 'png', dir: data.folder, ...common });
  }
  return loadDataset({ name: data.dataset, root: resolveDataDir(dataFlag), split, ...common });
}

/** Sets the model's image geometry from the data it will read. */
export function matchModelToData(config: RunConfig, set: ImageSet): void {
  config.model.height = set.height;
  config.model.width = set.width;
  config.model.channels = set.channels;
}
