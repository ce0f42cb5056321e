/**
 * Pixel states for the sampler: recomputed over the whole image for every pixel (naive), or
 * updated incrementally from row and column caches. Both return the same states.
 */
import * as tf from '@tensorflow/tfjs';
import type { ConditioningFeatures } from '../model/conditioning.js';
import { IncrementalBackbone } from '../model/incremental.js';
import type { PixelModel } from '../model/model.js';

export const SAMPLERS = ['incremental', 'naive'] as const;
export type SamplerKind = (typeof SAMPLERS)[number];

export interface StateSource {
  /** Returns h_i [count, skip] at raster `position`; earlier pixels of `images` are final. */
  pixelStates(images: Int32Array, position: number): tf.Tensor2D;
  /** Returns the states [rows.length, skip] of raster rows image * H * W + q (q <= position). */
  sourceStates(rows: Int32Array): tf.Tensor2D;
  dispose(): void;
}

/** Runs the whole backbone for every pixel and keeps the last pass for copied pixels. */
class NaiveStates implements StateSource {
  private states: tf.Tensor2D | undefined;

  constructor(
    private readonly model: PixelModel,
    private readonly count: number,
    private readonly conditioning?: ConditioningFeatures,
  ) {}

  pixelStates(images: Int32Array, position: number): tf.Tensor2D {
    const { height, width, channels, skip } = this.model.config;
    this.states?.dispose();
    this.states = tf.keep(
      tf.tidy(() => {
        const x = tf.tensor4d(images, [this.count, height, width, channels], 'int32');
        const states = this.model.pixelStates(x, this.conditioning);
        return tf.reshape(states, [-1, skip]) as tf.Tensor2D;
      }),
    );
    const pixels = height * width;
    const rows = Int32Array.from({ length: this.count }, (_, b) => b * pixels + position);
    return this.sourceStates(rows);
  }

  sourceStates(rows: Int32Array): tf.Tensor2D {
    return tf.gather(this.states as tf.Tensor2D, tf.tensor1d(rows, 'int32'));
  }

  dispose(): void {
    this.states?.dispose();
  }
}

/** Computes each pixel's state from cached rows and keeps every state in a float32 array. */
class IncrementalStates implements StateSource {
  private readonly backbone: IncrementalBackbone;
  private readonly cache: Float32Array;

  constructor(
    private readonly model: PixelModel,
    private readonly count: number,
    conditioning?: ConditioningFeatures,
  ) {
    this.backbone = new IncrementalBackbone(model, count, conditioning);
    const { height, width, skip } = model.config;
    this.cache = new Float32Array(count * height * width * skip);
  }

  pixelStates(images: Int32Array, position: number): tf.Tensor2D {
    const { width, height, skip } = this.model.config;
    const row = Math.floor(position / width);
    const h = this.backbone.pixelState(images, row, position % width);
    const values = h.dataSync();
    for (let b = 0; b < this.count; b++) {
      const at = (b * height * width + position) * skip;
      this.cache.set(values.subarray(b * skip, (b + 1) * skip), at);
    }
    return h;
  }

  sourceStates(rows: Int32Array): tf.Tensor2D {
    const { skip } = this.model.config;
    const values = new Float32Array(rows.length * skip);
    rows.forEach((row, k) =>
      values.set(this.cache.subarray(row * skip, (row + 1) * skip), k * skip),
    );
    return tf.tensor2d(values, [rows.length, skip]);
  }

  dispose(): void {
    this.backbone.dispose();
  }
}

/** Creates the state source of `kind`; `conditioning` must stay alive while it is used. */
export function createStateSource(
  kind: SamplerKind,
  model: PixelModel,
  count: number,
  conditioning?: ConditioningFeatures,
): StateSource {
  return kind === 'naive'
    ? new NaiveStates(model, count, conditioning)
    : new IncrementalStates(model, count, conditioning);
}
