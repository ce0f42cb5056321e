/** Writing model samples, with their latent maps for mixture models, as a PNG grid. */
import { writeFileSync } from 'node:fs';
import { writePng, rowsGrid, scaleLevels, upscale, type Image } from '../io/png.js';
import type { ImageSet } from '../data/image_set.js';
import { conditioningImages } from '../data/tasks.js';
import { UserError } from '../errors.js';
import type { PixelModel } from '../model/model.js';
import { latentImage, latentShares } from '../sample/latent.js';
import { sampleImages } from '../sample/sampler.js';
import type { SamplerKind } from '../sample/state_source.js';
import type { Progress } from './progress.js';

/** Converts sub-pixels [count, height, width, channels] in 0..levels-1 to displayable images. */
export function toImages(
  values: Int32Array,
  count: number,
  height: number,
  width: number,
  channels: number,
  levels: number,
): Image[] {
  const size = height * width * channels;
  return Array.from({ length: count }, (_, k) => ({
    data: scaleLevels(values.subarray(k * size, (k + 1) * size), levels),
    width,
    height,
    channels: channels === 1 ? 1 : 3,
  }));
}

/** Picks a nearest-neighbour enlargement that makes an image side at least 64 pixels. */
export function viewScale(side: number): number {
  return Math.max(1, Math.ceil(64 / side));
}

/** Formats predictor shares as `absolute 40.0%, output:left+top (0,-1) 35.2%, ...`. */
export function formatShares(shares: Record<string, number>): string {
  return Object.entries(shares)
    .map(([name, share]) => `${name} ${(100 * share).toFixed(1)}%`)
    .join(', ');
}

export interface SampleGridResult {
  /** Share of sampled pixels made by each latent choice, e.g. {"absolute": 0.4, ...}. */
  shares: Record<string, number>;
  seconds: number;
}

/**
 * Draws `count` samples from `model` and writes them to `path` as a grid; for a mixture model
 * each sample is followed by its latent map. A model with a task samples from the conditioning
 * images of the first `count` `originals`, and each row shows input | sample | latent map |
 * original. Also writes the predictor shares to `path`.json.
 */
export async function writeSampleGrid(
  model: PixelModel,
  path: string,
  count: number,
  seed: number,
  progress: Progress,
  sampler: SamplerKind = 'incremental',
  originals?: ImageSet,
): Promise<SampleGridResult> {
  const { height, width, channels, levels, predictors } = model.config;
  const task = model.config.task ?? 'unconditional';
  let condition: Int32Array | undefined;
  let originalValues: Int32Array | undefined;
  if (task !== 'unconditional') {
    if (originals === undefined || originals.count < count) {
      const available = originals?.count ?? 0;
      throw new UserError(
        `relpix: sampling a ${task} model needs ${count} input images, but only ${available} ` +
          `are available; pass --count ${available} or fewer`,
      );
    }
    originalValues = Int32Array.from(
      originals.images.subarray(0, count * height * width * channels),
    );
    const shape = { count, height, width, channels };
    condition = conditioningImages(task, originalValues, shape, levels);
  }
  progress.start(height * width, 0, 'sample');
  const started = performance.now();
  const result = sampleImages(
    model,
    count,
    seed,
    (done) => {
      const seconds = (performance.now() - started) / 1000;
      progress.update(done, { 'pixels/s': ((done * count) / seconds).toFixed(1) });
    },
    sampler,
    condition,
  );
  progress.stop();
  const seconds = (performance.now() - started) / 1000;

  const scale = viewScale(Math.max(height, width));
  const samples = toImages(result.images, count, height, width, channels, levels);
  const withMaps = predictors.some((p) => p.kind !== 'absolute');
  const inputs = condition && toImages(condition, count, height, width, channels, levels);
  const truths = originalValues && toImages(originalValues, count, height, width, channels, levels);
  const cells = samples.map((sample, k) => {
    const cell = [upscale(sample, scale)];
    if (withMaps) {
      cell.push(upscale(latentImage(result.latent, predictors, k, height, width), scale));
    }
    if (inputs !== undefined && truths !== undefined) {
      cell.unshift(upscale(inputs[k], scale));
      cell.push(upscale(truths[k], scale));
    }
    return cell;
  });
  // Image-to-image samples get a row each: input | sample | latent map | original.
  const perRow = inputs === undefined ? Math.ceil(Math.sqrt(count)) : 1;
  const rows: Image[][] = [];
  for (let k = 0; k < cells.length; k += perRow) rows.push(cells.slice(k, k + perRow).flat());
  await writePng(path, rowsGrid(rows, { padding: 2 }));

  const shares = latentShares(result.latent, predictors);
  writeFileSync(`${path}.json`, `${JSON.stringify({ seed, count, seconds, shares }, null, 2)}\n`);
  return { shares, seconds };
}
