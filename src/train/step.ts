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

/** Mean bits/dim of a batch and its gradient by parameter name. */
export interface BatchGradients {
  loss: number;
  /** Gradient of each parameter that the loss depends on; the caller disposes them. */
  gradients: Map<string, tf.Tensor>;
}

/**
 * Computes the mean bits/dim of `images` (int32 NHWC at the model's size) and its gradients in
 * passes of at most `microBatch` images (0: one pass). Each pass's gradients are weighted by its
 * share of the images and summed, which gives the one-pass result up to float rounding while
 * holding only one pass's activations in memory.
 */
export function batchGradients(
  model: PixelModel,
  images: Int32Array,
  microBatch = 0,
): BatchGradients {
  const { height, width, channels } = model.config;
  const size = height * width * channels;
  const count = images.length / size;
  const passSize = microBatch > 0 ? Math.min(microBatch, count) : count;
  const named = [...model.parameters];
  let loss = 0;
  const gradients = new Map<string, tf.Tensor>();
  for (let start = 0; start < count; start += passSize) {
    const end = Math.min(start + passSize, count);
    const x = tf.tensor4d(
      images.subarray(start * size, end * size),
      [end - start, height, width, channels],
      'int32',
    );
    const { value, grads } = tf.variableGrads(
      () => batchBitsPerDim(model, x),
      named.map(([, variable]) => variable),
    );
    x.dispose();
    const weight = (end - start) / count;
    loss += weight * value.dataSync()[0];
    value.dispose();
    for (const [name, variable] of named) {
      const gradient = grads[variable.name];
      if (gradient === undefined) continue;
      if (passSize === count) {
        gradients.set(name, gradient);
        continue;
      }
      const weighted = tf.mul(gradient, weight);
      gradient.dispose();
      const sum = gradients.get(name);
      gradients.set(name, sum === undefined ? weighted : tf.add(sum, weighted));
      if (sum !== undefined) tf.dispose([sum, weighted]);
    }
  }
  return { loss, gradients };
}

/**
 * Computes the batch's bits/dim and gradients (in passes of at most `microBatch` images) and, if
 * the loss is finite, applies the update. Returns the loss; a non-finite loss leaves the
 * parameters and optimiser unchanged.
 */
export function trainStep(
  model: PixelModel,
  adam: Adam,
  batch: Int32Array,
  learningRate: number,
  microBatch = 0,
): number {
  const { loss, gradients } = batchGradients(model, batch, microBatch);
  if (Number.isFinite(loss)) adam.apply(gradients, learningRate);
  tf.dispose([...gradients.values()]);
  return loss;
}
