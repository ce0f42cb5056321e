/**
 * Training-set statistics behind the relative predictors: how often each sub-pixel value occurs,
 * and how often each difference to the left neighbour (same channel) occurs.
 */
import type { ImageSet } from '../data/image_set.js';

export interface Histograms {
  levels: number;
  /** counts[v] for v = 0..L-1, over every sub-pixel. */
  values: number[];
  /** counts[d + L - 1] for d = -(L-1)..L-1, over every sub-pixel that has a left neighbour. */
  leftDifferences: number[];
}

/** Counts values and left-neighbour differences over `set`, whose values lie in 0..levels-1. */
export function countHistograms(set: ImageSet, levels: number): Histograms {
  const values = new Array<number>(levels).fill(0);
  const differences = new Array<number>(2 * levels - 1).fill(0);
  const { height, width, channels, images } = set;
  const rowStride = width * channels;
  for (let n = 0; n < set.count; n++) {
    for (let y = 0; y < height; y++) {
      const rowStart = (n * height + y) * rowStride;
      for (let k = 0; k < rowStride; k++) {
        const value = images[rowStart + k];
        values[value]++;
        if (k >= channels) differences[value - images[rowStart + k - channels] + levels - 1]++;
      }
    }
  }
  return { levels, values, leftDifferences: differences };
}

/** Returns the share of `counts` that falls on entries within `radius` of the centre entry. */
export function shareNearCentre(counts: number[], radius: number): number {
  const centre = (counts.length - 1) / 2;
  let near = 0;
  let total = 0;
  counts.forEach((count, k) => {
    total += count;
    if (Math.abs(k - centre) <= radius) near += count;
  });
  return total === 0 ? 0 : near / total;
}
