/**
 * The absolute predictor: a softmax over the L intensities of each sub-pixel,
 * p(x_{i,c} | ...) = softmax(W_s h_{i,c}), multiplied over the sub-pixels of a pixel.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../config.js';
import { getParameter, type ParameterFactory, type ParameterMap } from '../parameters.js';

export function createAbsoluteParameters(factory: ParameterFactory, config: ModelConfig): void {
  for (let c = 0; c < config.channels; c++) {
    factory.weight(`absolute/logits_${c}`, [config.skip, config.levels]);
    factory.zeros(`absolute/logits_bias_${c}`, [config.levels]);
  }
}

/** Computes the logits [n, levels] of sub-pixel c from its state `state` [n, skip]. */
export function absoluteLogits(
  parameters: ParameterMap,
  c: number,
  state: tf.Tensor2D,
): tf.Tensor2D {
  const weight = getParameter<tf.Tensor2D>(parameters, `absolute/logits_${c}`);
  const bias = getParameter<tf.Tensor1D>(parameters, `absolute/logits_bias_${c}`);
  return tf.add(tf.matMul(state, weight), bias);
}

/**
 * Picks entry `values[i]` of each row i of `table` [n, size], giving [n]. A gather on the
 * flattened table, so that its gradient is a scatter rather than a dense one-hot product.
 */
export function pickPerRow(table: tf.Tensor2D, values: tf.Tensor1D): tf.Tensor1D {
  const [n, size] = table.shape;
  const rows = tf.range(0, n * size, size, 'int32');
  return tf.gather(tf.reshape(table, [-1]), tf.add(rows, values)) as tf.Tensor1D;
}

/**
 * Computes log p_abs(x_{i,<k}) [n] in nats: the sum over sub-pixels c < k of the log-softmax of
 * the logits at the true value, with k = `channelCount` (default: all). `states` contains
 * h_{i,c} [n, skip] per c, and `columns` the sub-pixel values, one [n] int32 vector per channel.
 */
export function absoluteLogProb(
  parameters: ParameterMap,
  config: ModelConfig,
  states: tf.Tensor2D[],
  columns: tf.Tensor1D[],
  channelCount = config.channels,
): tf.Tensor1D {
  let total: tf.Tensor1D = tf.zeros([columns[0].shape[0]]);
  for (let c = 0; c < channelCount; c++) {
    const logProbs = tf.logSoftmax(absoluteLogits(parameters, c, states[c]));
    total = tf.add(total, pickPerRow(logProbs, columns[c]));
  }
  return total;
}
