/**
 * The latent mixture: a gate p(pi | x_<i) = softmax(W_l h_{i,0}) over the enabled predictors,
 * and the exact marginal log p(x_i) = log sum_pi p(pi) p_pi(x_i), computed in log space.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './config.js';
import { getParameter, type ParameterFactory, type ParameterMap } from './parameters.js';

export function createMixtureParameters(factory: ParameterFactory, config: ModelConfig): void {
  if (config.predictors.length > 1) {
    factory.weight('mixture/gate', [config.skip, config.predictors.length]);
    factory.zeros('mixture/gate_bias', [config.predictors.length]);
  }
}

/** Computes log p(pi) [n, predictors] from h_{i,0} [n, skip]; [n, 1] of zeros for one predictor. */
export function gateLogProbs(
  parameters: ParameterMap,
  config: ModelConfig,
  firstState: tf.Tensor2D,
): tf.Tensor2D {
  if (config.predictors.length === 1) return tf.zeros([firstState.shape[0], 1]);
  const weight = getParameter<tf.Tensor2D>(parameters, 'mixture/gate');
  const bias = getParameter<tf.Tensor1D>(parameters, 'mixture/gate_bias');
  return tf.logSoftmax(tf.add(tf.matMul(firstState, weight), bias)) as tf.Tensor2D;
}

/**
 * Combines per-predictor log-likelihoods (each [n]) with the gate's log-probabilities
 * [n, predictors] into log sum_pi p(pi) p_pi(x_i) [n].
 */
export function mixLogProbs(gate: tf.Tensor2D, perPredictor: tf.Tensor1D[]): tf.Tensor1D {
  if (perPredictor.length === 1) return perPredictor[0];
  const joint = tf.add(gate, tf.stack(perPredictor, 1));
  return tf.logSumExp(joint, 1) as tf.Tensor1D;
}
