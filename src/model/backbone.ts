/**
 * The gated PixelCNN backbone (van den Oord et al. 2016, "Conditional Image Generation with
 * PixelCNN Decoders"): a vertical and a horizontal stack with gated activations, a first layer
 * of kernel 7, then `depth` layers of kernel 5, and skip connections into `skip` channels.
 *
 * Causality: the output at pixel (r, c) depends only on pixels before it in raster order, never
 * on the pixel itself. The vertical stack at row r reads rows above r only, and the horizontal
 * stack at (r, c) reads row r left of c and the vertical stack's state.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './config.js';
import { conditionTerm, type ConditioningFeatures } from './conditioning.js';
import { causalConv, dense, gate, shiftDown, shiftRight } from './layers.js';
import { getParameter, type ParameterFactory, type ParameterMap } from './parameters.js';

/** Rows above and columns on each side that the first layer's vertical kernel covers (7 wide). */
export const FIRST_ROWS = 3;
export const FIRST_HALF_WIDTH = 3;
/** Rows and columns on each side of later layers' vertical kernels: kernel 5 gives 3x5. */
export const LATER_ROWS = 3;
export const LATER_HALF_WIDTH = 2;
/**
 * Width of every horizontal kernel. The first layer reads the image shifted right by one, so it
 * covers the 3 pixels left of the current one. Later layers cover the previous layer's state at
 * the pixel and at the 2 pixels to its left.
 */
export const HORIZONTAL_WIDTH = 3;

/**
 * Creates the backbone's parameters. Each gated convolution has separate kernels for its tanh
 * half (`_a`) and its sigmoid half (`_b`), which saves splitting one output in two.
 */
export function createBackboneParameters(factory: ParameterFactory, config: ModelConfig): void {
  const { channels, depth, hidden, skip } = config;
  for (let layer = 0; layer <= depth; layer++) {
    const inChannels = layer === 0 ? channels : hidden;
    const rows = layer === 0 ? FIRST_ROWS : LATER_ROWS;
    const halfWidth = layer === 0 ? FIRST_HALF_WIDTH : LATER_HALF_WIDTH;
    const p = `backbone/${layer}`;
    for (const half of ['a', 'b']) {
      factory.weight(`${p}/vertical_${half}`, [rows, 2 * halfWidth + 1, inChannels, hidden]);
      factory.zeros(`${p}/vertical_bias_${half}`, [hidden]);
      factory.weight(`${p}/horizontal_${half}`, [1, HORIZONTAL_WIDTH, inChannels, hidden]);
      factory.zeros(`${p}/horizontal_bias_${half}`, [hidden]);
      factory.weight(`${p}/link_${half}`, [hidden, hidden]);
    }
    // The last layer's horizontal output feeds nothing but its skip connection.
    if (layer < depth) {
      factory.weight(`${p}/residual`, [hidden, hidden]);
      factory.zeros(`${p}/residual_bias`, [hidden]);
    }
    factory.weight(`${p}/skip`, [hidden, skip]);
  }
  factory.zeros('backbone/skip_bias', [skip]);
  factory.weight('backbone/output', [skip, skip]);
  factory.zeros('backbone/output_bias', [skip]);
}

/** State of the two stacks between layers, each [batch, height, width, hidden]. */
interface Stacks {
  vertical: tf.Tensor4D;
  horizontal: tf.Tensor4D;
}

/**
 * Runs layer `layer` on the stacks and returns the new stacks and the layer's gated output.
 * Layer 0 reads the image twice: shifted down for the vertical stack (rows above only) and
 * shifted right for the horizontal stack (pixels to the left only). The vertical stack's gated
 * output at (r, c) depends on rows above r only, so the horizontal stack may add it at (r, c).
 */
function gatedLayer(
  parameters: ParameterMap,
  layer: number,
  input: Stacks,
  last: boolean,
  condition?: tf.Tensor4D,
): { stacks: Stacks; gated: tf.Tensor4D } {
  const p = <T extends tf.Tensor>(name: string) =>
    getParameter<T>(parameters, `backbone/${layer}/${name}`);
  const first = layer === 0;
  const rows = first ? FIRST_ROWS : LATER_ROWS;
  const halfWidth = first ? FIRST_HALF_WIDTH : LATER_HALF_WIDTH;
  const verticalIn = first ? shiftDown(input.vertical) : input.vertical;
  const horizontalIn = first ? shiftRight(input.horizontal) : input.horizontal;

  const verticalHalf = (half: string) =>
    causalConv(
      verticalIn,
      p(`vertical_${half}`),
      p(`vertical_bias_${half}`),
      rows - 1,
      halfWidth,
      halfWidth,
    );
  const conditioned = (stack: 'vertical' | 'horizontal', half: string, pre: tf.Tensor4D) =>
    condition === undefined
      ? pre
      : (tf.add(pre, conditionTerm(parameters, layer, stack, half, condition)) as tf.Tensor4D);
  const vertical = gate(
    conditioned('vertical', 'a', verticalHalf('a')),
    conditioned('vertical', 'b', verticalHalf('b')),
  );

  const horizontalHalf = (half: string): tf.Tensor4D => {
    const conv = causalConv(
      horizontalIn,
      p(`horizontal_${half}`),
      p(`horizontal_bias_${half}`),
      0,
      HORIZONTAL_WIDTH - 1,
      0,
    );
    const linked = tf.add(conv, dense(vertical, p<tf.Tensor2D>(`link_${half}`))) as tf.Tensor4D;
    return conditioned('horizontal', half, linked);
  };
  const gated = gate(horizontalHalf('a'), horizontalHalf('b'));

  if (last) return { stacks: { vertical, horizontal: input.horizontal }, gated };
  const update = dense(gated, p<tf.Tensor2D>('residual'), p<tf.Tensor1D>('residual_bias'));
  const horizontal = first ? update : (tf.add(input.horizontal, update) as tf.Tensor4D);
  return { stacks: { vertical, horizontal }, gated };
}

/**
 * Computes the per-pixel state h_i [batch, height, width, skip] of the image `x`
 * [batch, height, width, channels], scaled to -1..1. The state at pixel i depends on x_<i only,
 * and on all of the conditioning image through `conditioning` when given.
 */
export function runBackbone(
  parameters: ParameterMap,
  config: ModelConfig,
  x: tf.Tensor4D,
  conditioning?: ConditioningFeatures,
): tf.Tensor4D {
  let stacks: Stacks = { vertical: x, horizontal: x };
  const gatedOutputs: tf.Tensor4D[] = [];
  const skipWeights: tf.Tensor2D[] = [];
  for (let layer = 0; layer <= config.depth; layer++) {
    const last = layer === config.depth;
    const result = gatedLayer(parameters, layer, stacks, last, conditioning?.layers[layer]);
    stacks = result.stacks;
    gatedOutputs.push(result.gated);
    skipWeights.push(getParameter<tf.Tensor2D>(parameters, `backbone/${layer}/skip`));
  }
  // One product of all layers' gated outputs with the stacked skip weights equals the sum of
  // the per-layer skip products. It keeps one [positions, skip] tensor for the backward pass
  // instead of one per layer, which exhausted the wasm heap at the cifar preset, batch 16.
  const skipSum = dense(tf.concat(gatedOutputs, 3), tf.concat(skipWeights, 0));
  const skipBias = getParameter<tf.Tensor1D>(parameters, 'backbone/skip_bias');
  const hidden = tf.relu(tf.add(skipSum as tf.Tensor4D, skipBias)) as tf.Tensor4D;
  const output = dense(
    hidden,
    getParameter<tf.Tensor2D>(parameters, 'backbone/output'),
    getParameter<tf.Tensor1D>(parameters, 'backbone/output_bias'),
  );
  return conditioning === undefined ? output : (tf.add(output, conditioning.state) as tf.Tensor4D);
}
