/** In-memory uint8 image batches (NHWC) and the reductions applied to them before training. */

import { UserError } from '../errors.js';

/**
 * A batch of images of one size. `images` contains `count * height * width * channels`
 * bytes in NHWC order (image, row, column, channel). `labels`, when present, contains one
 * class index per image.
 */
export interface ImageSet {
  images: Uint8Array;
  count: number;
  height: number;
  width: number;
  channels: number;
  labels?: Uint8Array;
}

/** Returns the number of bytes of one image: height * width * channels. */
export function imageLength(set: ImageSet): number {
  return set.height * set.width * set.channels;
}

/** Returns image `index` as a view of shape [height, width, channels] into `set.images`. */
export function imageAt(set: ImageSet, index: number): Uint8Array {
  if (!Number.isInteger(index) || index < 0 || index >= set.count) {
    throw new RangeError(`image index ${index} is out of range [0, ${set.count})`);
  }
  const length = imageLength(set);
  return set.images.subarray(index * length, (index + 1) * length);
}

/**
 * Returns images [start, end) as a new ImageSet whose images and labels are views that
 * share memory with `set`. Throws RangeError unless 0 <= start <= end <= count.
 */
export function subset(set: ImageSet, start: number, end: number): ImageSet {
  const valid = Number.isInteger(start) && Number.isInteger(end);
  if (!valid || start < 0 || start > end || end > set.count) {
    throw new RangeError(`subset [${start}, ${end}) is out of range [0, ${set.count}]`);
  }
  const length = imageLength(set);
  const result: ImageSet = {
    images: set.images.subarray(start * length, end * length),
    count: end - start,
    height: set.height,
    width: set.width,
    channels: set.channels,
  };
  if (set.labels) {
    result.labels = set.labels.subarray(start, end);
  }
  return result;
}

/**
 * Shrinks every image by `factor` in both directions with a box filter: each output pixel
 * is the mean of a factor x factor block, rounded with Math.round. Returns `set` itself
 * for factor 1. Throws RangeError unless `factor` is a positive integer that divides
 * both height and width.
 */
export function reduceImages(set: ImageSet, factor: number): ImageSet {
  const divides = set.height % factor === 0 && set.width % factor === 0;
  if (!Number.isInteger(factor) || factor < 1 || !divides) {
    throw new RangeError(
      `reduction factor ${factor} must be a positive integer dividing ` +
        `${set.height}x${set.width}`,
    );
  }
  if (factor === 1) {
    return set;
  }

  const height = set.height / factor;
  const width = set.width / factor;
  const reduced = { ...set, height, width };
  const images = new Uint8Array(set.count * imageLength(reduced));
  for (let i = 0; i < set.count; i++) {
    reduceImage(imageAt(set, i), set, factor, images.subarray(i * imageLength(reduced)));
  }
  return { ...reduced, images };
}

/** Writes the box-filtered `image` (HWC, shape of `shape`) into the start of `output`. */
function reduceImage(image: Uint8Array, shape: ImageSet, factor: number, output: Uint8Array): void {
  const { channels } = shape;
  const inputRow = shape.width * channels;
  const sums = new Float64Array((shape.width / factor) * channels);
  const area = factor * factor;
  let out = 0;
  for (let y = 0; y < shape.height / factor; y++) {
    sums.fill(0);
    for (let row = y * factor; row < (y + 1) * factor; row++) {
      for (let x = 0; x < shape.width; x++) {
        const source = row * inputRow + x * channels;
        const target = Math.floor(x / factor) * channels;
        for (let c = 0; c < channels; c++) {
          sums[target + c] += image[source + c];
        }
      }
    }

    for (let k = 0; k < sums.length; k++) {
      output[out++] = Math.round(sums[k] / area);
    }
  }
}

/**
 * Keeps the top log2(levels) bits of every value, so the result lies in [0, levels):
 * v >> (8 - log2(levels)). Returns `set` itself for 256 levels. Throws UserError unless
 * `levels` is a power of two from 2 to 256.
 */
export function quantise(set: ImageSet, levels: number): ImageSet {
  const bits = Math.log2(levels);
  if (!Number.isInteger(bits) || bits < 1 || bits > 8) {
    throw new UserError(
      `relpix: levels ${levels} is invalid, expected a power of two from 2 to 256: ` +
        'pass 2, 4, 8, 16, 32, 64, 128 or 256',
    );
  }
  if (levels === 256) {
    return set;
  }
  const shift = 8 - bits;
  const images = new Uint8Array(set.images.length);
  for (let k = 0; k < images.length; k++) {
    images[k] = set.images[k] >> shift;
  }
  return { ...set, images };
}

/** Returns the mean value of each channel over all pixels of all images (length channels). */
export function channelMeans(set: ImageSet): number[] {
  const { channels, images } = set;
  const sums = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    for (let k = c; k < images.length; k += channels) {
      sum += images[k];
    }
    sums[c] = sum;
  }
  const pixels = images.length / channels;
  return Array.from(sums, (sum) => (pixels === 0 ? NaN : sum / pixels));
}
