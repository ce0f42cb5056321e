/**
 * `npm run bench`: training-step and sampling speed of named configurations on real CIFAR-10
 * batches, printed as JSON lines (one per measurement) for docs/performance.md.
 *
 * Usage: npm run bench -- [--only NAME[,NAME]] [--steps N] [--workers 1,2] [--micro-batch N]
 *   [--data DIR]
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { loadDataset } from '../src/data/dataset.js';
import type { ImageSet } from '../src/data/image_set.js';
import { resolveDataDir } from '../src/data/location.js';
import { useBackend, type BackendName } from '../src/engine/backend.js';
import type { ModelConfig } from '../src/model/config.js';
import { PixelModel } from '../src/model/model.js';
import type { PredictorConfig } from '../src/model/predictors/config.js';
import { sampleImages } from '../src/sample/sampler.js';
import { SAMPLERS, type SamplerKind } from '../src/sample/state_source.js';
import { Adam } from '../src/train/adam.js';
import { fillKeptDeltas } from '../src/train/kept_deltas.js';
import { startRunner } from '../src/train/runner.js';

interface BenchConfig {
  name: string;
  model: ModelConfig;
  batchSize: number;
  /** Pixels drawn by the naive sampler; fewer than a whole image for the slow configurations. */
  samplePixels: number;
  sampleCount: number;
}

const ABSOLUTE: PredictorConfig[] = [{ kind: 'absolute' }];
const MIXTURE: PredictorConfig[] = [
  { kind: 'absolute' },
  { kind: 'output', neighbours: 'left+top', mask: true, prune: 20 },
];
const SMALL = { height: 16, width: 16, channels: 3, levels: 256, depth: 5, hidden: 32, skip: 128 };
const CIFAR = { height: 32, width: 32, channels: 3, levels: 256, depth: 15, hidden: 64, skip: 512 };

const CONFIGS: BenchConfig[] = [
  {
    name: 'small-16px-absolute',
    model: { ...SMALL, predictors: ABSOLUTE },
    batchSize: 16,
    samplePixels: 64,
    sampleCount: 16,
  },
  {
    name: 'small-16px-mixture',
    model: { ...SMALL, predictors: MIXTURE },
    batchSize: 16,
    samplePixels: 64,
    sampleCount: 16,
  },
  {
    name: 'cifar-32px-absolute',
    model: { ...CIFAR, predictors: ABSOLUTE },
    batchSize: 16,
    samplePixels: 4,
    sampleCount: 16,
  },
  {
    name: 'cifar-32px-mixture',
    model: { ...CIFAR, predictors: MIXTURE },
    batchSize: 16,
    samplePixels: 4,
    sampleCount: 16,
  },
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Times `steps` training steps after one warm-up step, with `workers` threads and passes of at
 * most `microBatch` images (0: one pass per thread).
 */
async function benchTraining(
  config: BenchConfig,
  model: PixelModel,
  data: ImageSet,
  steps: number,
  workers: number,
  microBatch: number,
  backend: BackendName,
): Promise<Record<string, unknown>> {
  const adam = new Adam(model.parameters);
  const runner = await startRunner({
    model,
    adam,
    train: data,
    batchSize: config.batchSize,
    microBatch,
    seed: 1,
    workers,
    backend,
  });
  const times: number[] = [];
  try {
    for (let step = 0; step <= steps; step++) {
      const started = performance.now();
      await runner.step(step, 1e-3);
      if (step > 0) times.push(performance.now() - started);
    }
  } finally {
    await runner.close();
    adam.dispose();
  }
  const msPerStep = median(times);
  return {
    kind: 'train',
    name: config.name,
    parameters: model.parameterCount,
    batchSize: config.batchSize,
    workers,
    ...(microBatch > 0 ? { microBatch } : {}),
    steps,
    msPerStep: Math.round(msPerStep),
    imagesPerSecond: Number(((1000 * config.batchSize) / msPerStep).toFixed(2)),
  };
}

class StopSampling extends Error {}

/**
 * Times a sampler on a batch of images: the naive one for the first `samplePixels` pixels (its
 * time per pixel is constant), the incremental one for whole images.
 */
function benchSampling(
  config: BenchConfig,
  model: PixelModel,
  sampler: SamplerKind,
): Record<string, unknown> {
  const imagePixels = config.model.height * config.model.width;
  const timed = sampler === 'naive' ? config.samplePixels : imagePixels;
  const started = performance.now();
  try {
    sampleImages(
      model,
      config.sampleCount,
      1,
      (done) => {
        if (done >= timed && done < imagePixels) throw new StopSampling();
      },
      sampler,
    );
  } catch (error) {
    if (!(error instanceof StopSampling)) throw error;
  }
  const seconds = (performance.now() - started) / 1000;
  const pixels = timed * config.sampleCount;
  return {
    kind: 'sample',
    name: config.name,
    sampler,
    images: config.sampleCount,
    pixelsTimed: timed,
    pixelsPerSecond: Number((pixels / seconds).toFixed(2)),
    secondsPerBatch: Number(((seconds / timed) * imagePixels).toFixed(1)),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      steps: { type: 'string', default: '3' },
      workers: { type: 'string', default: `1,${cpus().length}` },
      'micro-batch': { type: 'string', default: '0' },
      backend: { type: 'string', default: 'wasm' },
      data: { type: 'string' },
      'no-sample': { type: 'boolean', default: false },
    },
  });
  const steps = Number(values.steps);
  const backend = values.backend as BackendName;
  const workerCounts = [...new Set(values.workers.split(',').map(Number))];
  const microBatch = Number(values['micro-batch']);
  await useBackend(backend);
  const dataRoot = resolveDataDir(values.data);
  const only = values.only?.split(',');
  const selected = CONFIGS.filter((c) => only === undefined || only.includes(c.name));
  console.log(
    JSON.stringify({
      kind: 'machine',
      cores: cpus().length,
      cpu: cpus()[0]?.model,
      backend,
      node: process.version,
      tfjs: tf.version.tfjs,
    }),
  );
  for (const config of selected) {
    const size = config.model.height;
    const data = loadDataset({
      name: 'cifar10',
      root: dataRoot,
      split: 'train',
      size,
      limit: 2000,
    });
    const modelConfig = structuredClone(config.model);
    fillKeptDeltas(modelConfig, data);
    for (const workers of workerCounts) {
      const model = PixelModel.create(modelConfig, 1);
      console.log(
        JSON.stringify(
          await benchTraining(config, model, data, steps, workers, microBatch, backend),
        ),
      );
      model.dispose();
    }
    if (!values['no-sample']) {
      const model = PixelModel.create(modelConfig, 1);
      for (const sampler of SAMPLERS) {
        console.log(JSON.stringify(benchSampling(config, model, sampler)));
      }
      model.dispose();
    }
  }
}

await main();
