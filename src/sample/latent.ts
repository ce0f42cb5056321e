/**
 * Latent maps: which predictor and which copied pixel made each sampled pixel, as colours, and
 * the share of pixels each predictor made.
 */
import type { Image } from '../io/png.js';
import type { PredictorConfig, RelativePredictorConfig } from '../model/predictors/config.js';
import { inputOffsets, outputOffsets } from '../model/predictors/neighbours.js';

/** Per sampled pixel: the predictor index and, for a relative predictor, the candidate index. */
export interface LatentMap {
  predictor: Int32Array;
  /** Candidate index within the predictor's neighbour set, or -1 for the absolute predictor. */
  source: Int32Array;
}

/** Colour of the absolute predictor. */
const WHITE: [number, number, number] = [255, 255, 255];

/** Colours of output-relative copies by offset: left blue, top green, diagonals and farther. */
const OFFSET_COLOURS: Record<string, [number, number, number]> = {
  '0,-1': [40, 90, 255],
  '-1,0': [30, 200, 60],
  '-1,-1': [240, 200, 20],
  '-1,1': [220, 40, 200],
};

/** Returns the colour of a copy from offset (dy, dx); farther offsets get darker shades of red. */
export function offsetColour(dy: number, dx: number): [number, number, number] {
  const named = OFFSET_COLOURS[`${dy},${dx}`];
  if (named !== undefined) return named;
  const distance = Math.max(Math.abs(dy), Math.abs(dx));
  const shade = 255 - 60 * (distance - 1) - 10 * (Math.abs(dx) + Math.abs(dy));
  return [Math.max(80, shade), 40, 40];
}

/**
 * Returns the colour of a copy from the conditioning image at offset (dy, dx): orange for the
 * pixel itself, shades of cyan farther away.
 */
export function inputColour(dy: number, dx: number): [number, number, number] {
  const distance = Math.max(Math.abs(dy), Math.abs(dx));
  if (distance === 0) return [255, 140, 0];
  const shade = 230 - 50 * (distance - 1) - 8 * (Math.abs(dy) + Math.abs(dx));
  return [0, Math.max(90, shade), Math.max(90, shade)];
}

function sourceOffset(config: RelativePredictorConfig, source: number): readonly [number, number] {
  const offsets =
    config.kind === 'output' ? outputOffsets(config.neighbours) : inputOffsets(config.neighbours);
  return offsets[source];
}

/** Returns the colour of one latent choice. */
export function latentColour(
  predictors: PredictorConfig[],
  predictor: number,
  source: number,
): [number, number, number] {
  const config = predictors[predictor];
  if (config.kind === 'absolute') return WHITE;
  const [dy, dx] = sourceOffset(config, source);
  return config.kind === 'output' ? offsetColour(dy, dx) : inputColour(dy, dx);
}

/** Draws the latent map of image `index` of a sample as an RGB image. */
export function latentImage(
  map: LatentMap,
  predictors: PredictorConfig[],
  index: number,
  height: number,
  width: number,
): Image {
  const pixels = height * width;
  const data = new Uint8Array(pixels * 3);
  for (let p = 0; p < pixels; p++) {
    const colour = latentColour(
      predictors,
      map.predictor[index * pixels + p],
      map.source[index * pixels + p],
    );
    data.set(colour, p * 3);
  }
  return { data, width, height, channels: 3 };
}

/** Returns the share of pixels each latent choice made, keyed e.g. `output:left+top (0,-1)`. */
export function latentShares(
  map: LatentMap,
  predictors: PredictorConfig[],
): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let k = 0; k < map.predictor.length; k++) {
    const config = predictors[map.predictor[k]];
    let key = 'absolute';
    if (config.kind !== 'absolute') {
      const [dy, dx] = sourceOffset(config, map.source[k]);
      key = `${config.kind}:${config.neighbours} (${dy},${dx})`;
    }
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return Object.fromEntries(
    Object.entries(counts).map(([key, count]) => [key, count / map.predictor.length]),
  );
}
