/**
 * Step runners: training steps on this thread, or split between data-parallel worker threads.
 * Both give the same updates up to the order of float summation.
 */
import type { ImageSet } from '../data/image_set.js';
import type { BackendName } from '../engine/backend.js';
import type { PixelModel } from '../model/model.js';
import { shareImages, WorkerPool } from '../parallel/pool.js';
import type { SharedImages } from '../parallel/protocol.js';
import type { Adam } from './adam.js';
import { batchIndices, gatherImages } from './batches.js';
import { evaluate, summarise, type Evaluation } from './evaluate.js';
import { trainStep } from './step.js';

export interface StepRunner {
  /** Runs optimiser step `step` (0-based) and returns the batch's bits/dim. */
  step(step: number, learningRate: number): Promise<number>;
  /** Brings the training thread's model and optimiser up to date, before saving or sampling. */
  sync(): Promise<void>;
  /** Scores images [0, limit) of `set`. */
  evaluate(set: ImageSet, limit: number, batchSize: number): Promise<Evaluation>;
  close(): Promise<void>;
}

export interface RunnerOptions {
  model: PixelModel;
  adam: Adam;
  train: ImageSet;
  batchSize: number;
  /** Largest number of images per forward and backward pass (0: a worker's whole share). */
  microBatch: number;
  seed: number;
  workers: number;
  backend: BackendName;
}

class LocalRunner implements StepRunner {
  constructor(private readonly options: RunnerOptions) {}

  async step(step: number, learningRate: number): Promise<number> {
    const { model, adam, train, batchSize, microBatch, seed } = this.options;
    const batch = gatherImages(train, batchIndices(train.count, batchSize, seed, step));
    return trainStep(model, adam, batch, learningRate, microBatch);
  }

  async sync(): Promise<void> {}

  async evaluate(set: ImageSet, limit: number, batchSize: number): Promise<Evaluation> {
    return evaluate(this.options.model, set, batchSize, limit);
  }

  async close(): Promise<void> {}
}

class PoolRunner implements StepRunner {
  private readonly shared = new Map<ImageSet, SharedImages>();

  constructor(
    private readonly options: RunnerOptions,
    private readonly pool: WorkerPool,
  ) {}

  step(step: number, learningRate: number): Promise<number> {
    return this.pool.step(step, learningRate);
  }

  sync(): Promise<void> {
    return this.pool.getState(this.options.model, this.options.adam);
  }

  async evaluate(set: ImageSet, limit: number, batchSize: number): Promise<Evaluation> {
    let shared = this.shared.get(set);
    if (shared === undefined) {
      shared = shareImages(set);
      this.shared.set(set, shared);
    }
    return summarise(await this.pool.evaluate(shared, Math.min(limit, set.count), batchSize));
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** Starts a runner; with more than one worker, copies the current model and optimiser to each. */
export async function startRunner(options: RunnerOptions): Promise<StepRunner> {
  if (options.workers <= 1) return new LocalRunner(options);
  const pool = await WorkerPool.start({
    workers: options.workers,
    backend: options.backend,
    model: options.model.config,
    seed: options.seed,
    batchSize: options.batchSize,
    microBatch: options.microBatch,
    train: options.train,
    parameters: options.model.parameterCount,
  });
  await pool.setState(options.model, options.adam);
  return new PoolRunner(options, pool);
}
