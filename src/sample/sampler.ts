/**
 * Naive raster-order sampling: one backbone pass over the whole batch per pixel, then the head
 * draws the pixel's sub-pixels one after another.
 */
import * as tf from '@tensorflow/tfjs';
import { subPixelColumns, subPixelStates } from '../model/head.js';
import type { PixelModel } from '../model/model.js';
import { absoluteLogits } from '../model/predictors/absolute.js';
import { drawFromLogits, seededRandom } from './categorical.js';

export interface SampleResult {
  /** Sampled sub-pixels [count, height, width, channels], values 0..levels-1. */
  images: Int32Array;
  count: number;
}

/**
 * Draws `count` images from `model`, reproducibly from `seed`; `onPixel(done, total)` is called
 * after each pixel.
 */
export function sampleImages(
  model: PixelModel,
  count: number,
  seed: number,
  onPixel?: (done: number, total: number) => void,
): SampleResult {
  const { height, width, channels, levels, skip } = model.config;
  const random = seededRandom(seed);
  const images = new Int32Array(count * height * width * channels);
  const pixelCount = height * width;
  for (let position = 0; position < pixelCount; position++) {
    const row = Math.floor(position / width);
    const column = position % width;
    const current = new Int32Array(count * channels);
    tf.tidy(() => {
      const x = tf.tensor4d(images, [count, height, width, channels], 'int32');
      const states = model.pixelStates(x);
      const h = tf.reshape(tf.slice(states, [0, row, column, 0], [-1, 1, 1, -1]), [count, skip]);
      for (let c = 0; c < channels; c++) {
        const columns = subPixelColumns(tf.tensor2d(current, [count, channels], 'int32'));
        const state = subPixelStates(model.parameters, model.config, h as tf.Tensor2D, columns)[c];
        const logits = absoluteLogits(model.parameters, c, state).dataSync();
        for (let b = 0; b < count; b++) {
          current[b * channels + c] = drawFromLogits(logits, b * levels, levels, random);
        }
      }
    });
    for (let b = 0; b < count; b++) {
      const base = ((b * height + row) * width + column) * channels;
      images.set(current.subarray(b * channels, (b + 1) * channels), base);
    }
    onPixel?.(position + 1, pixelCount);
  }
  return { images, count };
}
