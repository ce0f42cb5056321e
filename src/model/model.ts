/**
 * A relpix model: the configuration, its parameters, and the exact log-likelihood
 * log p(x) = sum_i log p(x_i | x_<i) of whole images.
 */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../errors.js';
import { conditioningImages } from '../data/tasks.js';
import { createBackboneParameters, runBackbone } from './backbone.js';
import {
  createConditioningParameters,
  isConditional,
  runConditioning,
  type ConditioningFeatures,
} from './conditioning.js';
import { validateModelConfig, type ModelConfig } from './config.js';
import { createHeadParameters, subPixelColumns, subPixelStates } from './head.js';
import { countParameters, ParameterFactory, type ParameterMap } from './parameters.js';
import { createMixtureParameters, gateLogProbs, mixLogProbs } from './mixture.js';
import { absoluteLogProb, createAbsoluteParameters } from './predictors/absolute.js';
import { allPositions, type PixelContext } from './predictors/context.js';
import { RelativePredictor } from './predictors/relative.js';

export class PixelModel {
  /** The relative predictors, in the order of `config.predictors`, absent for `absolute`. */
  readonly relative: (RelativePredictor | undefined)[];

  private constructor(
    readonly config: ModelConfig,
    readonly parameters: ParameterMap,
  ) {
    this.relative = config.predictors.map((predictor) =>
      predictor.kind === 'absolute' ? undefined : new RelativePredictor(config, predictor),
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
        new RelativePredictor(config, predictor).createParameters(factory);
      }
    }
    createMixtureParameters(factory, config);
    createConditioningParameters(factory, config);
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

  /**
   * Computes pixel states h_i [batch, height, width, skip]; h_i depends on x_<i only, and on
   * all of the conditioning features when the model has a task.
   */
  pixelStates(x: tf.Tensor4D, conditioning?: ConditioningFeatures): tf.Tensor4D {
    return runBackbone(this.parameters, this.config, this.scaleInput(x), conditioning);
  }

  /**
   * Returns the conditioning image y of images `x` for the model's task (NHWC, like x): `given`
   * if passed, else derived from x. Undefined for unconditional models.
   */
  conditioningImage(x: tf.Tensor4D, given?: Int32Array): Int32Array | undefined {
    if (!isConditional(this.config)) return undefined;
    if (given !== undefined) return given;
    const [count, height, width, channels] = x.shape;
    const shape = { count, height, width, channels };
    return conditioningImages(
      this.config.task ?? 'unconditional',
      x.dataSync(),
      shape,
      this.config.levels,
    );
  }

  /** Computes the conditioning features of y (NHWC values) for images of `x`'s shape. */
  conditioningFeatures(y: Int32Array, shape: number[]): ConditioningFeatures {
    const scaled = this.scaleInput(
      tf.tensor4d(y, shape as [number, number, number, number], 'int32'),
    );
    return runConditioning(this.parameters, this.config, scaled);
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

  /**
   * Builds the context of every pixel of the images `x` [batch, height, width, channels], with
   * conditioning image `y` (NHWC, derived from x by the task when absent).
   */
  imageContext(x: tf.Tensor4D, y?: Int32Array): PixelContext {
    const [batch, height, width, channels] = x.shape;
    const yValues = this.conditioningImage(x, y);
    const features =
      yValues === undefined ? undefined : this.conditioningFeatures(yValues, x.shape);
    const h = tf.reshape(this.pixelStates(x, features), [-1, this.config.skip]) as tf.Tensor2D;
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
      conditioning: conditioningContext(yValues, features, this.config.skip),
    };
  }

  /**
   * Computes log p(x_{i,<k} | x_<i) [batch * height * width] in nats for every pixel of the
   * images `x` [batch, height, width, channels] int32, with k = `channelCount` (default: all).
   */
  pixelLogProbs(x: tf.Tensor4D, channelCount = this.config.channels, y?: Int32Array): tf.Tensor1D {
    return tf.tidy(() => this.contextLogProb(this.imageContext(x, y), channelCount));
  }

  /**
   * Computes log p(x | y) [batch] in nats for images `x` [batch, height, width, channels] int32;
   * y is the conditioning image (NHWC), derived from x by the task when absent.
   */
  logProb(x: tf.Tensor4D, y?: Int32Array): tf.Tensor1D {
    return tf.tidy(() => {
      const [batch, height, width] = x.shape;
      const perPixel = this.contextLogProb(this.imageContext(x, y));
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

/** Describes the conditioning image and its states for predictors, if the model has one. */
export function conditioningContext(
  values: Int32Array | undefined,
  features: ConditioningFeatures | undefined,
  skip: number,
): PixelContext['conditioning'] {
  if (values === undefined || features === undefined) return undefined;
  const states = tf.reshape(features.state, [-1, skip]) as tf.Tensor2D;
  return { values, states: (rows) => tf.gather(states, tf.tensor1d(rows, 'int32')) };
}

/** Converts log-likelihoods in nats to bits per dimension for images of `dims` sub-pixels. */
export function bitsPerDim(logProbNats: number, dims: number): number {
  return -logProbNats / (dims * Math.LN2);
}
