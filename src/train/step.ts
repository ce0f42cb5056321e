/** One optimiser step: bits/dim of a batch, its gradients, and the Adam update. */
import * as tf from '@tensorflow/tfjs';
import type { PixelModel } from '../model/model.js';
import type { Adam } from './adam.js';

/** Returns the mean bits/dim of the images `x` [batch, height, width, channels] int32 as a scalar. */
export function batchBitsPerDim(model: PixelModel, x: tf.Tensor4D): tf.Scalar {
  const [, height, width, channels] = x.shape;
  const scale = -1 / (height * width * channels * Math.LN2);
  return tf.mul(tf.mean(model.logProb(x)), scale) as tf.Scalar;
}

/**
 * Computes the batch's bits/dim and gradients and, if the loss is finite, applies the update.
 * Returns the loss; a non-finite loss leaves the parameters and optimiser unchanged.
 */
export function trainStep(
  model: PixelModel,
  adam: Adam,
  batch: Int32Array,
  learningRate: number,
): number {
  const { height, width, channels } = model.config;
  const size = height * width * channels;
  const x = tf.tensor4d(batch, [batch.length / size, height, width, channels], 'int32');
  const variables = [...model.parameters.values()];
  const { value, grads } = tf.variableGrads(() => batchBitsPerDim(model, x), variables);
  x.dispose();
  const loss = value.dataSync()[0];
  value.dispose();
  if (Number.isFinite(loss)) {
    const byName = new Map<string, tf.Tensor>();
    for (const [name, variable] of model.parameters) {
      byName.set(name, grads[variable.name]);
    }
    adam.apply(byName, learningRate);
  }
  tf.dispose(grads);
  return loss;
}
