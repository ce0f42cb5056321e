/**
 * `npm run bench`: training-step and sampling speed of named configurations on real CIFAR-10
 * batches, printed as JSON lines (one per measurement) for docs/performance.md.
 *
 * Usage: npm run bench -- [--only NAME[,NAME]] [--steps N] [--backend wasm|cpu] [--data DIR]
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { loadDataset } from '../src/data/dataset.js';
import { resolveDataDir } from '../src/data/location.js';
import { useBackend, type BackendName } from '../src/engine/backend.js';
import type { ModelConfig } from '../src/model/config.js';
import { PixelModel } from '../src/model/model.js';
import { sampleImages } from '../src/sample/sampler.js';
import { Adam } from '../src/train/adam.js';
import { batchIndices, gatherImages } from '../src/train/batches.js';
import { trainStep } from '../src/train/step.js';

interface BenchConfig {
  name: string;
  model: ModelConfig;
  batchSize: number;
  /** Pixels drawn by the naive sampler; fewer than a whole image for the slow configurations. */
  samplePixels: number;
  sampleCount: number;
}

const CONFIGS: BenchConfig[] = [
  {
    name: 'small-16px-absolute',
    model: {
      height: 16,
      width: 16,
      channels: 3,
      levels: 256,
      depth: 5,
      hidden: 32,
      skip: 128,
      predictors: [{ kind: 'absolute' }],
    },
    batchSize: 16,
    samplePixels: 64,
    sampleCount: 16,
  },
  {
    name: 'cifar-32px-absolute',
    model: {
      height: 32,
      width: 32,
      channels: 3,
      levels: 256,
      depth: 15,
      hidden: 64,
      skip: 512,
      predictors: [{ kind: 'absolute' }],
    },
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

function benchTraining(
  config: BenchConfig,
  steps: number,
  dataRoot: string,
): Record<string, unknown> {
  const size = config.model.height;
  const data = loadDataset({ name: 'cifar10', root: dataRoot, split: 'train', size, limit: 2000 });
  const model = PixelModel.create(config.model, 1);
  const adam = new Adam(model.parameters);
  const times: number[] = [];
  // Step 0 is a warm-up: it compiles nothing but allocates every buffer once.
  for (let step = 0; step <= steps; step++) {
    const batch = gatherImages(data, batchIndices(data.count, config.batchSize, 1, step));
    const started = performance.now();
    trainStep(model, adam, batch, 1e-3);
    if (step > 0) times.push(performance.now() - started);
  }
  const msPerStep = median(times);
  const result = {
    kind: 'train',
    name: config.name,
    parameters: model.parameterCount,
    batchSize: config.batchSize,
    workers: 1,
    steps,
    msPerStep: Math.round(msPerStep),
    imagesPerSecond: Number(((1000 * config.batchSize) / msPerStep).toFixed(2)),
    tensorsAfter: tf.memory().numTensors,
  };
  adam.dispose();
  model.dispose();
  return result;
}

class StopSampling extends Error {}

function measureSampling(config: BenchConfig): Record<string, unknown> {
  const model = PixelModel.create(config.model, 1);
  const started = performance.now();
  try {
    sampleImages(model, config.sampleCount, 1, (done) => {
      if (done >= config.samplePixels) throw new StopSampling();
    });
  } catch (error) {
    if (!(error instanceof StopSampling)) throw error;
  }
  const seconds = (performance.now() - started) / 1000;
  model.dispose();
  const pixels = config.samplePixels * config.sampleCount;
  return {
    kind: 'sample',
    name: config.name,
    sampler: 'naive',
    images: config.sampleCount,
    pixelsPerImage: config.samplePixels,
    pixelsPerSecond: Number((pixels / seconds).toFixed(2)),
    secondsPerBatchEstimate: Number(
      ((seconds / config.samplePixels) * config.model.height * config.model.width).toFixed(1),
    ),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      steps: { type: 'string', default: '3' },
      backend: { type: 'string', default: 'wasm' },
      data: { type: 'string' },
    },
  });
  const steps = Number(values.steps);
  await useBackend(values.backend as BackendName);
  const dataRoot = resolveDataDir(values.data);
  const only = values.only?.split(',');
  const selected = CONFIGS.filter((c) => only === undefined || only.includes(c.name));
  console.log(
    JSON.stringify({
      kind: 'machine',
      cores: cpus().length,
      cpu: cpus()[0]?.model,
      backend: values.backend,
      node: process.version,
    }),
  );
  for (const config of selected) {
    console.log(JSON.stringify(benchTraining(config, steps, dataRoot)));
    console.log(JSON.stringify(measureSampling(config)));
  }
}

await main();
