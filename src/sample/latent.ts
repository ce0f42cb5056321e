/**
 * Latent maps: which predictor and which copied pixel made each sampled pixel, as colours, and
 * the share of pixels each predictor made.
 */
import type { Image } from '../io/png.js';
import type { PredictorConfig } from '../model/predictors/config.js';
import { outputOffsets } from '../model/predictors/neighbours.js';

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

/** Returns the colour of one latent choice. */
export function latentColour(
  predictors: PredictorConfig[],
  predictor: number,
  source: number,
): [number, number, number] {
  const config = predictors[predictor];
  if (config.kind === 'absolute') return WHITE;
  const [dy, dx] = outputOffsets(config.neighbours)[source];
  return offsetColour(dy, dx);
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

/** Returns the share of pixels each latent choice made, keyed `absolute` or `output:left+top/left`. */
export function latentShares(
  map: LatentMap,
  predictors: PredictorConfig[],
): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let k = 0; k < map.predictor.length; k++) {
    const config = predictors[map.predictor[k]];
    let key = 'absolute';
    if (config.kind === 'output') {
      const [dy, dx] = outputOffsets(config.neighbours)[map.source[k]];
      key = `output:${config.neighbours} (${dy},${dx})`;
    }
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return Object.fromEntries(
    Object.entries(counts).map(([key, count]) => [key, count / map.predictor.length]),
  );
}
