/**
 * The channel-autoregressive output head: per-sub-pixel states h_{i,c} computed from the pixel
 * state h_i and embeddings of the sub-pixels x_{i,<c} of the same pixel.
 *
 * h_{i,0} = relu(h_i) sees no sub-pixel of pixel i;
 * h_{i,c} = relu(h_i + sum over c' < c of E_{c,c'}[x_{i,c'}]), with E_{c,c'} a table [levels, skip].
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './config.js';
import { getParameter, type ParameterFactory, type ParameterMap } from './parameters.js';

/** Creates the embedding tables E_{c,c'} [levels, skip] for every c' < c. */
export function createHeadParameters(factory: ParameterFactory, config: ModelConfig): void {
  for (let c = 1; c < config.channels; c++) {
    for (let earlier = 0; earlier < c; earlier++) {
      // A table row has fan-in 1, so gain sqrt(levels) gives the rows unit variance.
      factory.weight(
        `head/embedding_${c}_${earlier}`,
        [config.levels, config.skip],
        Math.sqrt(config.levels),
      );
    }
  }
}

/** Splits pixel values [n, channels] int32 into one [n] int32 vector per sub-pixel. */
export function subPixelColumns(pixels: tf.Tensor2D): tf.Tensor1D[] {
  const channels = pixels.shape[1];
  return tf.split(pixels, channels, 1).map((column) => tf.reshape(column, [-1]) as tf.Tensor1D);
}

/**
 * Computes the sub-pixel states h_{i,c}, each [n, skip], from pixel states `h` [n, skip] and the
 * sub-pixel values `columns` (one [n] int32 vector per channel). State c reads columns < c only,
 * so the columns may hold anything at and after the sub-pixel being predicted.
 */
export function subPixelStates(
  parameters: ParameterMap,
  config: ModelConfig,
  h: tf.Tensor2D,
  columns: tf.Tensor1D[],
): tf.Tensor2D[] {
  const states: tf.Tensor2D[] = [tf.relu(h)];
  for (let c = 1; c < config.channels; c++) {
    let sum: tf.Tensor2D = h;
    for (let earlier = 0; earlier < c; earlier++) {
      const table = getParameter<tf.Tensor2D>(parameters, `head/embedding_${c}_${earlier}`);
      sum = tf.add(sum, tf.gather(table, columns[earlier]));
    }
    states.push(tf.relu(sum));
  }
  return states;
}
