/**
 * Small tensor building blocks of the backbone and head: causal shifts, convolutions,
 * dense layers over the channel axis and the gated activation.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * Shifts `x` [batch, height, width, channels] down by one row, filling the top row with
 * zeros, so that row r contains what row r-1 contained.
 */
export function shiftDown(x: tf.Tensor4D): tf.Tensor4D {
  const [, height] = x.shape;
  const padded = tf.pad(x, [
    [0, 0],
    [1, 0],
    [0, 0],
    [0, 0],
  ]);
  return tf.slice(padded, [0, 0, 0, 0], [-1, height, -1, -1]);
}

/** Shifts `x` [batch, height, width, channels] right by one column, zero-filling column 0. */
export function shiftRight(x: tf.Tensor4D): tf.Tensor4D {
  const [, , width] = x.shape;
  const padded = tf.pad(x, [
    [0, 0],
    [0, 0],
    [1, 0],
    [0, 0],
  ]);
  return tf.slice(padded, [0, 0, 0, 0], [-1, -1, width, -1]);
}

/**
 * Convolves `x` [batch, height, width, in] with `kernel` [kh, kw, in, out] padded by
 * `top` rows above and `left`/`right` columns, and none below, then adds `bias` [out].
 * The output has the input's height and width when top = kh - 1 and left + right = kw - 1.
 */
export function causalConv(
  x: tf.Tensor4D,
  kernel: tf.Tensor4D,
  bias: tf.Tensor1D,
  top: number,
  left: number,
  right: number,
): tf.Tensor4D {
  const pad: [[number, number], [number, number], [number, number], [number, number]] = [
    [0, 0],
    [top, 0],
    [left, right],
    [0, 0],
  ];
  return tf.add(tf.conv2d(x, kernel, 1, pad), bias);
}

/** Applies `weight` [in, out] and `bias` [out] to the last axis of `x` [..., in]. */
export function dense<T extends tf.Tensor>(x: T, weight: tf.Tensor2D, bias?: tf.Tensor1D): T {
  const inChannels = x.shape[x.rank - 1];
  const flat = tf.reshape(x, [-1, inChannels]) as tf.Tensor2D;
  let y: tf.Tensor2D = tf.matMul(flat, weight);
  if (bias !== undefined) {
    y = tf.add(y, bias);
  }
  return tf.reshape(y, [...x.shape.slice(0, -1), weight.shape[1]]) as T;
}

/** Returns the gated activation tanh(a) * sigmoid(b) of two tensors of one shape. */
export function gate<T extends tf.Tensor>(a: T, b: T): T {
  return tf.mul(tf.tanh(a), tf.sigmoid(b)) as T;
}
