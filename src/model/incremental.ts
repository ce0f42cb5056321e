/**
 * Incremental evaluation of the backbone for sampling: caches that let each new pixel cost a
 * few single-pixel operations per layer instead of a pass over the whole image.
 *
 * The vertical stack of row r depends on rows above r only, so it is computed once per row from
 * the cached vertical outputs of the rows above. The horizontal stack at (r, c) needs the
 * previous layer's horizontal outputs at (r, c-2..c), cached for the current row.
 */
import * as tf from '@tensorflow/tfjs';
import {
  FIRST_HALF_WIDTH,
  FIRST_ROWS,
  HORIZONTAL_WIDTH,
  LATER_HALF_WIDTH,
  LATER_ROWS,
} from './backbone.js';
import { conditionTerm, type ConditioningFeatures } from './conditioning.js';
import { causalConv, dense, gate } from './layers.js';
import type { PixelModel } from './model.js';
import { getParameter } from './parameters.js';

/** A [count, 1, width, channels] row of zeros-or-values, kept across pixels. */
type Row = tf.Tensor4D;

export class IncrementalBackbone {
  /** vertical[layer][row]: the layer's gated vertical output of that row [count, 1, W, H1]. */
  private readonly vertical: Row[][];
  /** horizontal[layer][column]: the layer's horizontal output in the current row [count, H1]. */
  private horizontal: tf.Tensor2D[][] = [];
  /** Scaled image rows [count, 1, W, C], filled as rows are completed. */
  private readonly imageRows: Row[] = [];
  private currentRow = -1;

  /**
   * `conditioning` contains the conditioning features of the whole batch for a model with a task;
   * the caller keeps them alive until `dispose`.
   */
  constructor(
    private readonly model: PixelModel,
    private readonly count: number,
    private readonly conditioning?: ConditioningFeatures,
  ) {
    this.vertical = Array.from({ length: model.config.depth + 1 }, () => []);
  }

  private parameter<T extends tf.Tensor>(layer: number, name: string): T {
    return getParameter<T>(this.model.parameters, `backbone/${layer}/${name}`);
  }

  /** Returns rows [from, to] of `rows` stacked on the row axis, with zeros for rows above 0. */
  private window(rows: Row[], from: number, to: number, channels: number): tf.Tensor4D {
    const { width } = this.model.config;
    const parts: tf.Tensor4D[] = [];
    for (let r = from; r <= to; r++) {
      parts.push(r < 0 ? tf.zeros([this.count, 1, width, channels]) : rows[r]);
    }
    return tf.concat(parts, 1);
  }

  /** Scales image row `row` of `images` [count, H, W, C] to -1..1 as [count, 1, W, C]. */
  private scaledRow(images: Int32Array, row: number): Row {
    const { height, width, channels } = this.model.config;
    const values = new Int32Array(this.count * width * channels);
    const rowSize = width * channels;
    for (let b = 0; b < this.count; b++) {
      const from = (b * height + row) * rowSize;
      values.set(images.subarray(from, from + rowSize), b * rowSize);
    }
    return tf.tidy(() =>
      this.model.scaleInput(tf.tensor4d(values, [this.count, 1, width, channels], 'int32')),
    );
  }

  /** Computes and caches the vertical outputs of `row` for every layer. */
  private startRow(images: Int32Array, row: number): void {
    const { depth, channels, hidden } = this.model.config;
    if (row > 0) this.imageRows[row - 1] = tf.keep(this.scaledRow(images, row - 1));
    for (let layer = 0; layer <= depth; layer++) {
      const first = layer === 0;
      const output = tf.tidy(() => {
        const rows = first ? FIRST_ROWS : LATER_ROWS;
        const halfWidth = first ? FIRST_HALF_WIDTH : LATER_HALF_WIDTH;
        // The first layer reads the image rows above. Later layers read their input's rows up
        // to this one, because the previous layer's vertical output of a row depends only on
        // the rows above it.
        const input = first
          ? this.window(this.imageRows, row - rows, row - 1, channels)
          : this.window(this.vertical[layer - 1], row - rows + 1, row, hidden);
        const half = (name: string) => {
          const pre = causalConv(
            input,
            this.parameter(layer, `vertical_${name}`),
            this.parameter(layer, `vertical_bias_${name}`),
            0,
            halfWidth,
            halfWidth,
          );
          const features = this.conditioning?.layers[layer];
          if (features === undefined) return pre;
          const rowFeatures = tf.slice(features, [0, row, 0, 0], [-1, 1, -1, -1]);
          return tf.add(
            pre,
            conditionTerm(this.model.parameters, layer, 'vertical', name, rowFeatures),
          ) as tf.Tensor4D;
        };
        return gate(half('a'), half('b'));
      });
      this.vertical[layer][row] = tf.keep(output);
    }
    for (const columns of this.horizontal) tf.dispose(columns);
    this.horizontal = Array.from({ length: depth + 1 }, () => []);
    this.currentRow = row;
  }

  /** Returns the current row's horizontal input of `layer` at columns c-2..c as [count, 1, 3, ch]. */
  private horizontalWindow(images: Int32Array, layer: number, column: number): tf.Tensor4D {
    const { width, channels, hidden } = this.model.config;
    if (layer === 0) {
      // The image shifted right by one: columns c-3..c-1 of the current row.
      const pixels = new Int32Array(this.count * HORIZONTAL_WIDTH * channels);
      const valid = new Float32Array(this.count * HORIZONTAL_WIDTH * channels);
      const { height } = this.model.config;
      for (let b = 0; b < this.count; b++) {
        for (let k = 0; k < HORIZONTAL_WIDTH; k++) {
          const x = column - HORIZONTAL_WIDTH + k;
          if (x < 0) continue;
          for (let c = 0; c < channels; c++) {
            const at = (b * HORIZONTAL_WIDTH + k) * channels + c;
            pixels[at] = images[((b * height + this.currentRow) * width + x) * channels + c];
            valid[at] = 1;
          }
        }
      }
      const shape: [number, number, number, number] = [this.count, 1, HORIZONTAL_WIDTH, channels];
      const scaled = this.model.scaleInput(tf.tensor4d(pixels, shape, 'int32'));
      return tf.mul(scaled, tf.tensor4d(valid, shape)) as tf.Tensor4D;
    }
    const parts: tf.Tensor2D[] = [];
    for (let k = HORIZONTAL_WIDTH - 1; k >= 0; k--) {
      const x = column - k;
      parts.push(x < 0 ? tf.zeros([this.count, hidden]) : this.horizontal[layer - 1][x]);
    }
    return tf.reshape(tf.stack(parts, 1), [this.count, 1, HORIZONTAL_WIDTH, hidden]);
  }

  /**
   * Computes the pixel state h_i [count, skip] at (row, column) from `images`
   * [count, height, width, channels], whose pixels before (row, column) are final. Pixels must
   * be requested in raster order.
   */
  pixelState(images: Int32Array, row: number, column: number): tf.Tensor2D {
    if (row !== this.currentRow) this.startRow(images, row);
    const { depth, skip } = this.model.config;
    const gatedOutputs: tf.Tensor2D[] = [];
    for (let layer = 0; layer <= depth; layer++) {
      const result = tf.tidy(() => {
        const input = this.horizontalWindow(images, layer, column);
        const vertical = tf.reshape(
          tf.slice(this.vertical[layer][row], [0, 0, column, 0], [-1, 1, 1, -1]),
          [this.count, -1],
        ) as tf.Tensor2D;
        const half = (name: string): tf.Tensor2D => {
          const conv = causalConv(
            input,
            this.parameter(layer, `horizontal_${name}`),
            this.parameter(layer, `horizontal_bias_${name}`),
            0,
            0,
            0,
          );
          const flat = tf.reshape(conv, [this.count, -1]) as tf.Tensor2D;
          const link = this.parameter<tf.Tensor2D>(layer, `link_${name}`);
          const linked = tf.add(flat, dense(vertical, link)) as tf.Tensor2D;
          const features = this.conditioning?.layers[layer];
          if (features === undefined) return linked;
          const pixel = this.pixelOf(features, row, column);
          const term = conditionTerm(this.model.parameters, layer, 'horizontal', name, pixel);
          return tf.add(linked, term) as tf.Tensor2D;
        };
        const gated = gate(half('a'), half('b'));
        if (layer === depth) return { gated };
        const update = dense(
          gated,
          this.parameter<tf.Tensor2D>(layer, 'residual'),
          this.parameter<tf.Tensor1D>(layer, 'residual_bias'),
        );
        const previous = layer === 0 ? undefined : this.horizontal[layer - 1][column];
        const horizontal =
          previous === undefined ? update : (tf.add(previous, update) as tf.Tensor2D);
        return { gated, horizontal };
      });
      // Kept, so that a caller's tidy scope does not dispose the cache.
      if (result.horizontal !== undefined) {
        this.horizontal[layer][column] = tf.keep(result.horizontal);
      }
      gatedOutputs.push(result.gated);
    }
    return tf.tidy(() => {
      // The same single product over all layers as the whole-image pass.
      const weights = Array.from({ length: depth + 1 }, (_, layer) =>
        this.parameter<tf.Tensor2D>(layer, 'skip'),
      );
      const skipSum = dense(tf.concat(gatedOutputs, 1), tf.concat(weights, 0));
      tf.dispose(gatedOutputs);
      const bias = getParameter<tf.Tensor1D>(this.model.parameters, 'backbone/skip_bias');
      const hidden = tf.relu(tf.add(skipSum, bias)) as tf.Tensor2D;
      const output = dense(
        hidden,
        getParameter<tf.Tensor2D>(this.model.parameters, 'backbone/output'),
        getParameter<tf.Tensor1D>(this.model.parameters, 'backbone/output_bias'),
      ).reshape([this.count, skip]) as unknown as tf.Tensor2D;
      if (this.conditioning === undefined) return output;
      return tf.add(output, this.pixelOf(this.conditioning.state, row, column)) as tf.Tensor2D;
    });
  }

  /** Returns features [count, channels] at (row, column) of `features` [count, H, W, channels]. */
  private pixelOf(features: tf.Tensor4D, row: number, column: number): tf.Tensor2D {
    return tf.reshape(tf.slice(features, [0, row, column, 0], [-1, 1, 1, -1]), [
      this.count,
      -1,
    ]) as tf.Tensor2D;
  }

  dispose(): void {
    for (const rows of this.vertical) tf.dispose(rows);
    for (const columns of this.horizontal) tf.dispose(columns);
    tf.dispose(this.imageRows);
  }
}
