/** Helpers for tests that enumerate every image of a tiny size at a small number of levels. */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { PixelModel } from '../../src/model/model.js';

/** Returns every image [count, height, width, channels] with values 0..levels-1, in order. */
export function allImages(
  height: number,
  width: number,
  channels: number,
  levels: number,
): tf.Tensor4D {
  const dims = height * width * channels;
  const count = levels ** dims;
  const values = new Int32Array(count * dims);
  for (let index = 0; index < count; index++) {
    let rest = index;
    for (let d = dims - 1; d >= 0; d--) {
      values[index * dims + d] = rest % levels;
      rest = Math.floor(rest / levels);
    }
  }
  return tf.tensor4d(values, [count, height, width, channels], 'int32');
}

/** Computes log(sum(exp(values))) in float64, for totals over many images. */
export function logSumExp(values: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) max = Math.max(max, values[i]);
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += Math.exp(values[i] - max);
  return max + Math.log(sum);
}

/**
 * Computes log p(x_{i,<k} | x_<i, y) in nats for every pixel i and k = 1..channels of one
 * image, as [pixels][k - 1].
 */
export function prefixLogProbs(model: PixelModel, image: Int32Array, y?: Int32Array): number[][] {
  const { height, width, channels } = model.config;
  return tf.tidy(() => {
    const x = tf.tensor4d(image, [1, height, width, channels], 'int32');
    const perCount: Float32Array[] = [];
    for (let k = 1; k <= channels; k++) {
      perCount.push(model.pixelLogProbs(x, k, y).dataSync() as Float32Array);
    }
    return Array.from({ length: height * width }, (_, i) => perCount.map((values) => values[i]));
  });
}

/**
 * Asserts causality by perturbation: changing any sub-pixel of `image` leaves every conditional
 * of earlier pixels and of earlier sub-pixels of the same pixel unchanged. Returns the prefix
 * log-probabilities of the unchanged image.
 */
export function assertCausal(model: PixelModel, image: Int32Array, y?: Int32Array): number[][] {
  const { channels, levels } = model.config;
  const before = prefixLogProbs(model, image, y);
  for (let d = 0; d < image.length; d++) {
    const changed = image.slice();
    changed[d] = (changed[d] + 3) % levels;
    const after = prefixLogProbs(model, changed, y);
    const changedPixel = Math.floor(d / channels);
    const changedChannel = d % channels;
    for (let i = 0; i < before.length; i++) {
      for (let k = 1; k <= channels; k++) {
        // Sub-pixel d is read only by later pixels and by prefixes that include it.
        const mayChange = i > changedPixel || (i === changedPixel && k > changedChannel);
        if (!mayChange) {
          assert.equal(after[i][k - 1], before[i][k - 1], `pixel ${i} prefix ${k}, change ${d}`);
        }
      }
    }
  }
  return before;
}
