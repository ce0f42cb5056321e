/**
 * Deterministic mini-batches: the order of images in each epoch is a shuffle seeded by
 * (seed, epoch), so the batch of any step follows from the seed and the step number alone,
 * and a resumed run draws exactly the batches the uninterrupted run would have drawn.
 */
import seedrandom from 'seedrandom';
import type { ImageSet } from '../data/image_set.js';

let cache: { key: string; order: Uint32Array } | undefined;

/** Returns the image indices of one epoch, shuffled by a generator seeded with (seed, epoch). */
export function epochOrder(count: number, seed: number, epoch: number): Uint32Array {
  const key = `${count}:${seed}:${epoch}`;
  if (cache?.key === key) return cache.order;
  const random = seedrandom(`relpix-epoch:${seed}:${epoch}`);
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const swap = order[i];
    order[i] = order[j];
    order[j] = swap;
  }
  cache = { key, order };
  return order;
}

/** Lists the image indices of step `step`; a batch crossing an epoch end continues in the next. */
export function batchIndices(
  count: number,
  batchSize: number,
  seed: number,
  step: number,
): number[] {
  const indices: number[] = [];
  let position = step * batchSize;
  while (indices.length < batchSize) {
    const order = epochOrder(count, seed, Math.floor(position / count));
    indices.push(order[position % count]);
    position++;
  }
  return indices;
}

/** Copies the images at `indices` into one int32 array [batch, height, width, channels]. */
export function gatherImages(set: ImageSet, indices: number[]): Int32Array {
  const size = set.height * set.width * set.channels;
  const out = new Int32Array(indices.length * size);
  indices.forEach((index, k) => {
    out.set(set.images.subarray(index * size, (index + 1) * size), k * size);
  });
  return out;
}
