/**
 * Raster-order sampling from the latent mixture: per pixel the backbone state (incremental or a
 * whole pass, see state_source.ts), then per image a predictor, a copied pixel for a relative
 * predictor, and the sub-pixels one after another. Records the latent map of every pixel.
 */
import * as tf from '@tensorflow/tfjs';
import { subPixelColumns, subPixelStates } from '../model/head.js';
import { gateLogProbs } from '../model/mixture.js';
import { isConditional, type ConditioningFeatures } from '../model/conditioning.js';
import { conditioningContext, type PixelModel } from '../model/model.js';
import { absoluteLogits } from '../model/predictors/absolute.js';
import type { PixelContext } from '../model/predictors/context.js';
import type { PreparedCandidates } from '../model/predictors/relative.js';
import { drawFromLogits, seededRandom, type Random } from './categorical.js';
import { createStateSource, type SamplerKind, type StateSource } from './state_source.js';
import type { LatentMap } from './latent.js';

export interface SampleResult {
  /** Sampled sub-pixels [count, height, width, channels], values 0..levels-1. */
  images: Int32Array;
  count: number;
  /** Predictor and copied pixel of each sampled pixel [count * height * width]. */
  latent: LatentMap;
}

/** Builds the context of the pixel at raster `position` of every image, from its states. */
function pixelContext(
  model: PixelModel,
  images: Int32Array,
  count: number,
  position: number,
  states: StateSource,
  h: tf.Tensor2D,
  current: Int32Array,
  conditioning: Conditioning | undefined,
): PixelContext {
  const { height, width, channels, levels } = model.config;
  const columns = subPixelColumns(tf.tensor2d(current, [count, channels], 'int32'));
  return {
    height,
    width,
    channels,
    levels,
    pixelStates: h,
    subPixelStates: subPixelStates(model.parameters, model.config, h, columns),
    sourceStates: (rows) => states.sourceStates(rows),
    values: images,
    positions: {
      image: Int32Array.from({ length: count }, (_, b) => b),
      position: new Int32Array(count).fill(position),
    },
    columns,
    conditioning:
      conditioning &&
      conditioningContext(conditioning.values, conditioning.features, model.config.skip),
  };
}

/** The conditioning image of a sample and its features, for image-to-image models. */
interface Conditioning {
  values: Int32Array;
  features: ConditioningFeatures;
}

/** Draws one index per image from log-probabilities [count, size]. */
function drawRows(logProbs: tf.Tensor2D, random: Random): Int32Array {
  const [count, size] = logProbs.shape;
  const values = logProbs.dataSync();
  return Int32Array.from({ length: count }, (_, b) =>
    drawFromLogits(values, b * size, size, random),
  );
}

/** Samples one pixel of every image in place and records its latent choice. */
function samplePixel(
  model: PixelModel,
  images: Int32Array,
  count: number,
  position: number,
  states: StateSource,
  random: Random,
  latent: LatentMap,
  conditioning: Conditioning | undefined,
): void {
  const { height, width, channels, levels, predictors } = model.config;
  const pixels = height * width;
  const current = new Int32Array(count * channels);
  tf.tidy(() => {
    const h = states.pixelStates(images, position);
    const build = () =>
      pixelContext(model, images, count, position, states, h, current, conditioning);
    let context = build();
    const chosen = drawRows(
      gateLogProbs(model.parameters, model.config, context.subPixelStates[0]),
      random,
    );
    const prepared = new Map<number, PreparedCandidates>();
    const source = new Int32Array(count).fill(-1);
    model.relative.forEach((relative, j) => {
      if (relative === undefined || !chosen.includes(j)) return;
      const candidates = relative.prepare(model.parameters, context);
      prepared.set(j, candidates);
      const drawn = drawRows(candidates.pointer, random);
      chosen.forEach((predictor, b) => {
        if (predictor === j) source[b] = drawn[b];
      });
    });
    for (let c = 0; c < channels; c++) {
      if (c > 0) context = build();
      const rows = new Map<string, ArrayLike<number>>();
      const rowsFor = (j: number, r: number): ArrayLike<number> => {
        const key = `${j}:${r}`;
        let values = rows.get(key);
        if (values === undefined) {
          const relative = model.relative[j];
          values =
            relative === undefined
              ? tf
                  .logSoftmax(absoluteLogits(model.parameters, c, context.subPixelStates[c]))
                  .dataSync()
              : relative.valueLogProbs(
                  model.parameters,
                  context,
                  prepared.get(j) as PreparedCandidates,
                  c,
                  r,
                );
          rows.set(key, values);
        }
        return values;
      };
      for (let b = 0; b < count; b++) {
        const values = rowsFor(chosen[b], source[b]);
        current[b * channels + c] = drawFromLogits(values, b * levels, levels, random);
      }
    }
    for (let b = 0; b < count; b++) {
      latent.predictor[b * pixels + position] = predictors.length > 1 ? chosen[b] : 0;
      latent.source[b * pixels + position] = source[b];
    }
  });
  for (let b = 0; b < count; b++) {
    images.set(
      current.subarray(b * channels, (b + 1) * channels),
      (b * pixels + position) * channels,
    );
  }
}

/**
 * Draws `count` images from `model`, reproducibly from `seed`; `onPixel(done, total)` is called
 * after each pixel. Both samplers draw the same images for the same seed. A model with a task
 * needs `conditioningImage`: y for the `count` images [count, height, width, channels] (NHWC).
 */
export function sampleImages(
  model: PixelModel,
  count: number,
  seed: number,
  onPixel?: (done: number, total: number) => void,
  sampler: SamplerKind = 'incremental',
  conditioningImage?: Int32Array,
): SampleResult {
  const { height, width, channels } = model.config;
  const random = seededRandom(seed);
  const pixels = height * width;
  const images = new Int32Array(count * pixels * channels);
  const latent: LatentMap = {
    predictor: new Int32Array(count * pixels),
    source: new Int32Array(count * pixels).fill(-1),
  };
  let conditioning: Conditioning | undefined;
  if (isConditional(model.config)) {
    if (conditioningImage === undefined) {
      throw new Error(`relpix: a ${model.config.task} model samples from a conditioning image`);
    }
    const shape = [count, height, width, channels];
    const features = tf.tidy(() => {
      const { layers, state } = model.conditioningFeatures(conditioningImage, shape);
      return { layers, state };
    }) as ConditioningFeatures;
    conditioning = { values: conditioningImage, features };
  }
  const states = createStateSource(sampler, model, count, conditioning?.features);
  try {
    for (let position = 0; position < pixels; position++) {
      samplePixel(model, images, count, position, states, random, latent, conditioning);
      onPixel?.(position + 1, pixels);
    }
  } finally {
    states.dispose();
    if (conditioning !== undefined) {
      tf.dispose([...conditioning.features.layers, conditioning.features.state]);
    }
  }
  return { images, count, latent };
}
