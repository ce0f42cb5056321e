/** Helpers for tests that enumerate every image of a tiny size at a small number of levels. */
import * as tf from '@tensorflow/tfjs';

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
