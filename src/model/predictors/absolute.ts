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
 * Computes log p_abs(x_{i,<k}) [n] in nats: the sum over sub-pixels c < k of the log-softmax of
 * the logits at the true value, with k = `channelCount` (default: all). `states` holds h_{i,c}
 * [n, skip] per c; `codes` is the one-hot image [n, channels * levels].
 */
export function absoluteLogProb(
  parameters: ParameterMap,
  config: ModelConfig,
  states: tf.Tensor2D[],
  codes: tf.Tensor2D,
  channelCount = config.channels,
): tf.Tensor1D {
  let total: tf.Tensor1D | undefined;
  for (let c = 0; c < channelCount; c++) {
    const logProbs = tf.logSoftmax(absoluteLogits(parameters, c, states[c]));
    const target = tf.slice(codes, [0, c * config.levels], [-1, config.levels]);
    const picked = tf.sum(tf.mul(logProbs, target), 1) as tf.Tensor1D;
    total = total === undefined ? picked : (tf.add(total, picked) as tf.Tensor1D);
  }
  return total ?? tf.zeros([codes.shape[0]]);
}
