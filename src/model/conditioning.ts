/**
 * The conditioning stack of image-to-image tasks: an unmasked stack of gated convolutions over
 * the conditioning image y, of the backbone's depth and width. Layer l's features enter
 * backbone layer l; the final state g_i enters the head and is the state of a copied input
 * pixel. Nothing here reads x, so the model stays causal in x.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './config.js';
import { dense, gate } from './layers.js';
import { getParameter, type ParameterFactory, type ParameterMap } from './parameters.js';

/** Kernel side of the first conditioning layer and of later ones. */
const FIRST_KERNEL = 7;
const LATER_KERNEL = 5;

export interface ConditioningFeatures {
  /** Features of each layer [batch, height, width, hidden], one per backbone layer. */
  layers: tf.Tensor4D[];
  /** Final state g [batch, height, width, skip]. */
  state: tf.Tensor4D;
}

export function isConditional(config: ModelConfig): boolean {
  return config.task !== undefined && config.task !== 'unconditional';
}

export function createConditioningParameters(factory: ParameterFactory, config: ModelConfig): void {
  if (!isConditional(config)) return;
  const { channels, depth, hidden, skip } = config;
  for (let layer = 0; layer <= depth; layer++) {
    const kernel = layer === 0 ? FIRST_KERNEL : LATER_KERNEL;
    const inChannels = layer === 0 ? channels : hidden;
    for (const half of ['a', 'b']) {
      factory.weight(`conditioning/${layer}/conv_${half}`, [kernel, kernel, inChannels, hidden]);
      factory.zeros(`conditioning/${layer}/conv_bias_${half}`, [hidden]);
      // Projections of this layer's features into the backbone's gate halves.
      factory.weight(`backbone/${layer}/condition_vertical_${half}`, [hidden, hidden]);
      factory.weight(`backbone/${layer}/condition_horizontal_${half}`, [hidden, hidden]);
    }
  }
  factory.weight('conditioning/state', [hidden, skip]);
  factory.zeros('conditioning/state_bias', [skip]);
}

/** Computes the conditioning features of y [batch, height, width, channels] scaled to -1..1. */
export function runConditioning(
  parameters: ParameterMap,
  config: ModelConfig,
  y: tf.Tensor4D,
): ConditioningFeatures {
  const p = <T extends tf.Tensor>(name: string) =>
    getParameter<T>(parameters, `conditioning/${name}`);
  const layers: tf.Tensor4D[] = [];
  let input = y;
  for (let layer = 0; layer <= config.depth; layer++) {
    const half = (name: string) =>
      tf.add(
        tf.conv2d(input, p<tf.Tensor4D>(`${layer}/conv_${name}`), 1, 'same'),
        p<tf.Tensor1D>(`${layer}/conv_bias_${name}`),
      ) as tf.Tensor4D;
    const gated = gate(half('a'), half('b'));
    const features = layer === 0 ? gated : (tf.add(input, gated) as tf.Tensor4D);
    layers.push(features);
    input = features;
  }
  const state = dense(input, p<tf.Tensor2D>('state'), p<tf.Tensor1D>('state_bias'));
  return { layers, state };
}

/** Returns the projection of conditioning features into gate half `half` of a backbone stack. */
export function conditionTerm<T extends tf.Tensor>(
  parameters: ParameterMap,
  layer: number,
  stack: 'vertical' | 'horizontal',
  half: string,
  features: T,
): T {
  const weight = getParameter<tf.Tensor2D>(
    parameters,
    `backbone/${layer}/condition_${stack}_${half}`,
  );
  return dense(features, weight);
}
