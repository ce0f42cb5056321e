/**
 * Delta statistics and pruning: counts of differences between neighbouring sub-pixels over the
 * training images, and the set of deltas a pruned relative predictor keeps.
 */
import type { ImageSet } from '../../data/image_set.js';

/**
 * Counts the deltas between horizontally and vertically adjacent sub-pixels of the same channel
 * (later minus earlier) over every image of `set`, whose values lie in 0..levels-1. Returns
 * counts [2L-1], where entry d + L - 1 counts delta d.
 */
export function countDeltas(set: ImageSet, levels: number): Float64Array {
  const counts = new Float64Array(2 * levels - 1);
  const { height, width, channels, images } = set;
  const rowStride = width * channels;
  const imageSize = height * rowStride;
  for (let n = 0; n < set.count; n++) {
    const base = n * imageSize;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        for (let c = 0; c < channels; c++) {
          const at = base + y * rowStride + x * channels + c;
          if (x > 0) counts[images[at] - images[at - channels] + levels - 1]++;
          if (y > 0) counts[images[at] - images[at - rowStride] + levels - 1]++;
        }
      }
    }
  }
  return counts;
}

/**
 * Ranks the deltas -(L-1)..L-1 by count, most frequent first; ties go to the smaller |delta|,
 * then to the negative one.
 */
export function rankDeltas(counts: Float64Array): number[] {
  const levels = (counts.length + 1) / 2;
  const deltas = Array.from({ length: counts.length }, (_, k) => k - (levels - 1));
  return deltas.sort((a, b) => {
    const byCount = counts[b + levels - 1] - counts[a + levels - 1];
    if (byCount !== 0) return byCount;
    const byMagnitude = Math.abs(a) - Math.abs(b);
    return byMagnitude !== 0 ? byMagnitude : a - b;
  });
}

/** Returns how many of the 2L-1 deltas pruning to `percent` keeps: floor(percent/100 (2L-1)), at least 1. */
export function keptCount(levels: number, percent: number): number {
  return Math.max(1, Math.floor((percent / 100) * (2 * levels - 1)));
}

/** Returns the deltas kept when pruning to `percent`, in rank order. */
export function keptDeltas(counts: Float64Array, percent: number): number[] {
  const levels = (counts.length + 1) / 2;
  return rankDeltas(counts).slice(0, keptCount(levels, percent));
}
