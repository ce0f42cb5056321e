/**
 * Exact negative log-likelihood of held-out images in bits per dimension, with its standard
 * error over images.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageSet } from '../data/image_set.js';
import { bitsPerDim, type PixelModel } from '../model/model.js';
import { gatherImages } from './batches.js';

export interface Evaluation {
  /** Mean over images of -log2 p(x) / (height * width * channels). */
  bitsPerDim: number;
  /** Standard error of that mean: the sample standard deviation over images / sqrt(n). */
  standardError: number;
  /** Number of images evaluated. */
  images: number;
  /** Bits/dim of each image, in the order of the set. */
  perImage: Float64Array;
}

/** Summarises per-image bits/dim into a mean and its standard error. */
export function summarise(perImage: Float64Array): Evaluation {
  const n = perImage.length;
  let sum = 0;
  for (const value of perImage) sum += value;
  const mean = sum / n;
  let squares = 0;
  for (const value of perImage) squares += (value - mean) ** 2;
  const standardError = n > 1 ? Math.sqrt(squares / (n - 1) / n) : 0;
  return { bitsPerDim: mean, standardError, images: n, perImage };
}

/**
 * Evaluates `model` on images `first` (default 0) up to `limit` (default all) of `set`,
 * `batchSize` at a time, calling `onBatch(done, total)` after each batch.
 */
export function evaluate(
  model: PixelModel,
  set: ImageSet,
  batchSize: number,
  limit = set.count,
  onBatch?: (done: number, total: number) => void,
  first = 0,
): Evaluation {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`evaluate: batchSize must be a positive integer, got ${batchSize}`);
  }
  const { height, width, channels } = model.config;
  if (set.height !== height || set.width !== width || set.channels !== channels) {
    // The convolutions accept any image size, so a mismatch would give a figure, not an error.
    throw new RangeError(
      `evaluate: the images are ${set.height}x${set.width}x${set.channels} but the model is ` +
        `configured for ${height}x${width}x${channels} (height x width x channels); create ` +
        'the model with the geometry of the images',
    );
  }
  const total = Math.max(0, Math.min(limit, set.count) - first);
  const dims = set.height * set.width * set.channels;
  const perImage = new Float64Array(total);
  for (let start = 0; start < total; start += batchSize) {
    const count = Math.min(batchSize, total - start);
    const indices = Array.from({ length: count }, (_, k) => first + start + k);
    const values = gatherImages(set, indices);
    const logProbs = tf.tidy(() => {
      const x = tf.tensor4d(values, [indices.length, set.height, set.width, set.channels], 'int32');
      return model.logProb(x).dataSync();
    });
    logProbs.forEach((logProb, k) => {
      perImage[start + k] = bitsPerDim(logProb, dims);
    });
    onBatch?.(start + indices.length, total);
  }
  return summarise(perImage);
}
