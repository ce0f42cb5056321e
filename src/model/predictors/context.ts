/**
 * Predictor inputs for a set of n pixels: their states, the states and values of the pixels
 * they may copy, and their own values when scoring.
 */
import type * as tf from '@tensorflow/tfjs';

/** Location of each of the n scored pixels: image index and raster position in that image. */
export interface PixelPositions {
  image: Int32Array;
  position: Int32Array;
}

export interface PixelContext {
  /** Image geometry. */
  height: number;
  width: number;
  channels: number;
  levels: number;
  /** Pixel states h_i [n, skip]. */
  pixelStates: tf.Tensor2D;
  /** Sub-pixel states h_{i,c} [n, skip], one per channel. */
  subPixelStates: tf.Tensor2D[];
  /**
   * Returns the pixel states [rows.length, skip] at raster rows `rows` of all images, where row
   * image * H * W + q is position q of that image. A copied pixel q takes the state of row
   * image * H * W + q + 1: the next raster position, which has seen pixel q and nothing at or
   * after the pixel being predicted.
   */
  sourceStates(rows: Int32Array): tf.Tensor2D;
  /** All sub-pixel values [images, height, width, channels] as known so far (NHWC). */
  values: Int32Array;
  positions: PixelPositions;
  /** The scored pixels' own values, one [n] int32 vector per channel (for scoring only). */
  columns: tf.Tensor1D[];
  /** The conditioning image of image-to-image tasks, absent for unconditional models. */
  conditioning?: {
    /** Sub-pixel values of y [images, height, width, channels] (NHWC). */
    values: Int32Array;
    /** Returns the conditioning states g [rows.length, skip] of rows image * H * W + q. */
    states(rows: Int32Array): tf.Tensor2D;
  };
}

/** Probability 0 in log space: finite, so that sums and gradients stay finite. */
export const LOG_ZERO = -1e30;

/** Positions of every pixel of `images` images in raster order, image after image. */
export function allPositions(images: number, pixels: number): PixelPositions {
  const image = new Int32Array(images * pixels);
  const position = new Int32Array(images * pixels);
  for (let b = 0; b < images; b++) {
    for (let p = 0; p < pixels; p++) {
      image[b * pixels + p] = b;
      position[b * pixels + p] = p;
    }
  }
  return { image, position };
}
