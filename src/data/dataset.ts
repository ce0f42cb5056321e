/**
 * One entry point for training and evaluation data: reads CIFAR-10, MNIST or a PNG folder,
 * shrinks the images to the requested side and quantises them to the requested levels.
 */

import { UserError } from '../errors.js';
import { readCifar10 } from './cifar10.js';
import { quantise, reduceImages, type ImageSet } from './image_set.js';
import { findCifar10Dir, findMnistDir } from './location.js';
import { readMnist } from './mnist.js';
import { listPngFiles, readPngFolder, readPngImage } from './png_folder.js';
import type { Split } from './split.js';

export type DatasetName = 'cifar10' | 'mnist' | 'png';

interface CommonOptions {
  /** Side in pixels of the square output images, which must divide the native side. */
  size?: number;
  /** Intensity levels kept, a power of two from 2 to 256 (default 256, no quantisation). */
  levels?: number;
  /** Read only the first `limit` images of the split or folder. */
  limit?: number;
}

/** CIFAR-10 or MNIST, found under a data root laid out as resolveDataDir describes. */
export interface BuiltinDatasetOptions extends CommonOptions {
  name: 'cifar10' | 'mnist';
  /** Data root, or the CIFAR-10 or MNIST folder itself. */
  root: string;
  split: Split;
}

/** A folder of PNG files, read in name order. */
export interface PngDatasetOptions extends CommonOptions {
  name: 'png';
  dir: string;
  /** Native height and width in pixels, by default those of the first file. */
  height?: number;
  width?: number;
  /** Channels: 1 for grey, 3 for RGB, by default 3 if any file has colour. */
  channels?: 1 | 3;
}

export type DatasetOptions = BuiltinDatasetOptions | PngDatasetOptions;

/**
 * Loads a data set as uint8 NHWC images: reads it, reduces it to size x size with a box
 * filter, then keeps the top log2(levels) bits so values lie in [0, levels).
 * Throws UserError when the data is missing or invalid, or when size or levels is invalid.
 */
export function loadDataset(options: DatasetOptions): ImageSet {
  const native = readNative(options);
  const reduced = options.size === undefined ? native : reduceToSize(native, options);
  return quantise(reduced, options.levels ?? 256);
}

function readNative(options: DatasetOptions): ImageSet {
  const { limit } = options;
  switch (options.name) {
    case 'cifar10':
      return readCifar10(findCifar10Dir(options.root), options.split, { limit });
    case 'mnist':
      return readMnist(findMnistDir(options.root), options.split, { limit });
    case 'png':
      return readPngDataset(options);
  }
}

function readPngDataset(options: PngDatasetOptions): ImageSet {
  let { height, width } = options;
  if (height === undefined || width === undefined) {
    const [first] = listPngFiles(options.dir);
    if (first === undefined) {
      throw new UserError(
        `relpix: no .png files found in ${options.dir}: pass a folder of PNG images`,
      );
    }
    const image = readPngImage(first);
    height ??= image.height;
    width ??= image.width;
  }
  const { channels, limit } = options;
  return readPngFolder(options.dir, { height, width, channels, limit });
}

/** Reduces `set` to size x size, or throws UserError when size does not divide its side. */
function reduceToSize(set: ImageSet, options: DatasetOptions): ImageSet {
  const size = options.size as number;
  const { height, width } = set;
  const valid =
    Number.isInteger(size) &&
    size >= 1 &&
    height % size === 0 &&
    width % size === 0 &&
    height / size === width / size;
  if (valid) {
    return reduceImages(set, height / size);
  }
  const native = `${options.name} images are ${width}x${height}`;
  if (height !== width) {
    throw new UserError(
      `relpix: size ${size} is invalid because the ${native} and not square: ` +
        'leave the size out, or resize the images to a square first',
    );
  }
  const sizes = [];
  for (let side = height; side >= 1; side--) {
    if (height % side === 0) {
      sizes.push(side);
    }
  }
  throw new UserError(
    `relpix: size ${size} is invalid because the ${native}: ` +
      `pass a size that divides ${height} (${sizes.join(', ')})`,
  );
}
