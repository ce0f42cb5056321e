/**
 * A relpix model: the configuration, its parameters, and the exact log-likelihood
 * log p(x) = sum_i log p(x_i | x_<i) of whole images.
 */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../errors.js';
import { createBackboneParameters, runBackbone } from './backbone.js';
import { validateModelConfig, type ModelConfig } from './config.js';
import { createHeadParameters, subPixelColumns, subPixelStates } from './head.js';
import { countParameters, ParameterFactory, type ParameterMap } from './parameters.js';
import { createMixtureParameters, gateLogProbs, mixLogProbs } from './mixture.js';
import { absoluteLogProb, createAbsoluteParameters } from './predictors/absolute.js';
import { allPositions, type PixelContext } from './predictors/context.js';
import { OutputRelative } from './predictors/output_relative.js';

export class PixelModel {
  /** The relative predictors, in the order of `config.predictors`, absent for `absolute`. */
  readonly relative: (OutputRelative | undefined)[];

  private constructor(
    readonly config: ModelConfig,
    readonly parameters: ParameterMap,
  ) {
    this.relative = config.predictors.map((predictor) =>
      predictor.kind === 'output' ? new OutputRelative(config, predictor) : undefined,
    );
  }

  /** Creates a model with parameters initialised from `seed`. */
  static create(config: ModelConfig, seed: number): PixelModel {
    validateModelConfig(config);
    const factory = new ParameterFactory(seed);
    createBackboneParameters(factory, config);
    createHeadParameters(factory, config);
    for (const predictor of config.predictors) {
      if (predictor.kind === 'absolute') {
        createAbsoluteParameters(factory, config);
      } else {
        new OutputRelative(config, predictor).createParameters(factory);
      }
    }
    createMixtureParameters(factory, config);
    return new PixelModel(structuredClone(config), factory.parameters);
  }

  get parameterCount(): number {
    return countParameters(this.parameters);
  }

  /** Scales integer sub-pixels `x` [batch, height, width, channels] to floats in -1..1. */
  scaleInput(x: tf.Tensor4D): tf.Tensor4D {
    const scale = 2 / (this.config.levels - 1);
    return tf.sub(tf.mul(tf.cast(x, 'float32'), scale), 1) as tf.Tensor4D;
  }

  /** Computes pixel states h_i [batch, height, width, skip]; h_i depends on x_<i only. */
  pixelStates(x: tf.Tensor4D): tf.Tensor4D {
    return runBackbone(this.parameters, this.config, this.scaleInput(x));
  }

  /**
   * Computes log p(x_{i,<k} | x_<i) [n] in nats for the pixels of `context`, where
   * k = `channelCount` (all sub-pixels unless given): the mixture over the enabled predictors.
   * Values of sub-pixels at or after k are not read.
   */
  contextLogProb(context: PixelContext, channelCount = this.config.channels): tf.Tensor1D {
    const perPredictor = this.config.predictors.map((predictor, j) => {
      const relative = this.relative[j];
      if (relative !== undefined) {
        return relative.logProb(this.parameters, context, channelCount);
      }
      const { subPixelStates: states, columns } = context;
      return absoluteLogProb(this.parameters, this.config, states, columns, channelCount);
    });
    const gate = gateLogProbs(this.parameters, this.config, context.subPixelStates[0]);
    return mixLogProbs(gate, perPredictor);
  }

  /** Builds the context of every pixel of the images `x` [batch, height, width, channels]. */
  imageContext(x: tf.Tensor4D): PixelContext {
    const [batch, height, width, channels] = x.shape;
    const h = tf.reshape(this.pixelStates(x), [-1, this.config.skip]) as tf.Tensor2D;
    const columns = subPixelColumns(tf.reshape(x, [-1, channels]) as tf.Tensor2D);
    return {
      height,
      width,
      channels,
      levels: this.config.levels,
      pixelStates: h,
      subPixelStates: subPixelStates(this.parameters, this.config, h, columns),
      sourceStates: (rows) => tf.gather(h, tf.tensor1d(rows, 'int32')),
      values: x.dataSync() as Int32Array,
      positions: allPositions(batch, height * width),
      columns,
    };
  }

  /**
   * Computes log p(x_{i,<k} | x_<i) [batch * height * width] in nats for every pixel of the
   * images `x` [batch, height, width, channels] int32, with k = `channelCount` (default: all).
   */
  pixelLogProbs(x: tf.Tensor4D, channelCount = this.config.channels): tf.Tensor1D {
    return tf.tidy(() => this.contextLogProb(this.imageContext(x), channelCount));
  }

  /** Computes log p(x) [batch] in nats for images `x` [batch, height, width, channels] int32. */
  logProb(x: tf.Tensor4D): tf.Tensor1D {
    return tf.tidy(() => {
      const [batch, height, width] = x.shape;
      const perPixel = this.contextLogProb(this.imageContext(x));
      return tf.sum(tf.reshape(perPixel, [batch, height * width]), 1) as tf.Tensor1D;
    });
  }

  /** Returns the parameters by name, for saving. The tensors stay owned by the model. */
  namedWeights(): tf.NamedTensorMap {
    return Object.fromEntries(this.parameters.entries());
  }

  /** Copies saved values into the parameters, after checking that names and shapes match. */
  assignWeights(weights: tf.NamedTensorMap, source: string): void {
    for (const [name, variable] of this.parameters) {
      const value = weights[name];
      if (value === undefined) {
        throw new UserError(
          `relpix: ${source} has no weight ${name}: it was saved by a different model ` +
            `configuration; train a new model or pass the matching configuration`,
        );
      }
      if (JSON.stringify(value.shape) !== JSON.stringify(variable.shape)) {
        throw new UserError(
          `relpix: ${source} weight ${name} has shape [${value.shape}], this model expects ` +
            `[${variable.shape}]: the checkpoint is from a different model configuration`,
        );
      }
    }
    for (const [name, variable] of this.parameters) {
      variable.assign(weights[name]);
    }
  }

  dispose(): void {
    for (const variable of this.parameters.values()) {
      variable.dispose();
    }
  }
}

/** Converts log-likelihoods in nats to bits per dimension for images of `dims` sub-pixels. */
export function bitsPerDim(logProbNats: number, dims: number): number {
  return -logProbNats / (dims * Math.LN2);
}
