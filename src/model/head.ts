/**
 * The channel-autoregressive output head: per-sub-pixel states h_{i,c} computed from the pixel
 * state h_i and an embedding of the sub-pixels x_{i,<c} of the same pixel.
 *
 * h_{i,0} = relu(h_i) sees no sub-pixel of pixel i; h_{i,c} = relu(h_i + E_c onehot(x_{i,<c})).
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './config.js';
import { getParameter, type ParameterFactory, type ParameterMap } from './parameters.js';

/** Creates the head's embeddings: E_c maps the c earlier sub-pixels (one-hot) to `skip` units. */
export function createHeadParameters(factory: ParameterFactory, config: ModelConfig): void {
  for (let c = 1; c < config.channels; c++) {
    // A one-hot input has fan-in 1 per earlier sub-pixel, so the gain keeps unit scale.
    factory.weight(`head/embedding_${c}`, [c * config.levels, config.skip], Math.sqrt(config.levels));
  }
}

/**
 * One-hot codes of the sub-pixels: `x` [n, channels] int32 gives [n, channels * levels] float.
 */
export function oneHotSubPixels(x: tf.Tensor2D, levels: number): tf.Tensor2D {
  const [n, channels] = x.shape;
  // The wasm backend's OneHot kernel writes int32 bits into a float32 output (TensorFlow.js
  // 4.22), so the codes are made as int32 and cast.
  const codes = tf.cast(tf.oneHot(tf.reshape(x, [-1]) as tf.Tensor1D, levels), 'float32');
  return tf.reshape(codes, [n, channels * levels]);
}

/**
 * Computes the sub-pixel states h_{i,c}, each [n, skip], from pixel states `h` [n, skip] and the
 * one-hot pixel values `codes` [n, channels * levels] (only the codes of channels < c are read
 * for state c, so `codes` may hold anything at and after the sub-pixel being predicted).
 */
export function subPixelStates(
  parameters: ParameterMap,
  config: ModelConfig,
  h: tf.Tensor2D,
  codes: tf.Tensor2D,
): tf.Tensor2D[] {
  const states: tf.Tensor2D[] = [tf.relu(h)];
  for (let c = 1; c < config.channels; c++) {
    const earlier = tf.slice(codes, [0, 0], [-1, c * config.levels]);
    const embedding = getParameter<tf.Tensor2D>(parameters, `head/embedding_${c}`);
    states.push(tf.relu(tf.add(h, tf.matMul(earlier, embedding))) as tf.Tensor2D);
  }
  return states;
}
