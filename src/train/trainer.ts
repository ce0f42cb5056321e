/**
 * The training loop: deterministic batches, Adam with a learning-rate schedule, validation
 * bits/dim at a set interval, JSON-lines metrics, atomic checkpoints and exact resume.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { formatDuration, type Progress } from '../cli/progress.js';
import type { ImageSet } from '../data/image_set.js';
import type { BackendName } from '../engine/backend.js';
import { UserError } from '../errors.js';
import { loadCheckpoint, latestCheckpoint, saveCheckpoint } from '../io/checkpoint.js';
import { modelConfigDifferences } from '../model/config.js';
import { PixelModel } from '../model/model.js';
import { Adam } from './adam.js';
import { validateRunConfig, type RunConfig } from './config.js';
import type { Evaluation } from './evaluate.js';
import { fillKeptDeltas } from './kept_deltas.js';
import { startRunner, type StepRunner } from './runner.js';
import { learningRateAt } from './schedule.js';

export interface TrainOptions {
  config: RunConfig;
  /** Run folder: config.json, metrics.jsonl and checkpoints/ are written here. */
  outDir: string;
  /** Continue from the latest checkpoint in `outDir`. */
  resume: boolean;
  train: ImageSet;
  validation: ImageSet;
  progress: Progress;
  /** Data-parallel worker threads; 1 trains on the calling thread. Default 1. */
  workers?: number;
  /**
   * Largest number of images per forward and backward pass in each thread. A step sums the
   * gradients of several passes. Default 0: one pass over the thread's share of the batch.
   */
  microBatch?: number;
  /** Backend of the worker threads. Default wasm. */
  backend?: BackendName;
  /** When aborted, training stops after the current step and saves a checkpoint. */
  signal?: AbortSignal;
}

export interface TrainResult {
  model: PixelModel;
  /** Optimiser steps done, counting those before a resume. */
  step: number;
  /** Validation result at the last validation run, if any ran. */
  validation?: Evaluation;
  /** Reason training ended. */
  stoppedBy: 'steps' | 'time' | 'interrupt';
  /** Folder of the last checkpoint written. */
  checkpoint?: string;
}

/** State saved in state.json of each checkpoint, beside the weights. */
interface TrainState {
  config: RunConfig;
  step: number;
  elapsedSeconds: number;
  /** Batches are a function of (seed, step), so these two numbers are the whole random state. */
  random: { seed: number; step: number };
  validation?: { step: number; bitsPerDim: number; standardError: number };
}

/** Appends JSON lines to metrics.jsonl in the run folder. */
class MetricsLog {
  constructor(private readonly path: string) {}
  write(record: Record<string, unknown>): void {
    appendFileSync(this.path, `${JSON.stringify({ time: new Date().toISOString(), ...record })}\n`);
  }
}

async function restore(options: TrainOptions, model: PixelModel, adam: Adam): Promise<TrainState> {
  const checkpoint = await loadCheckpoint(options.outDir);
  try {
    const state = checkpoint.state as unknown as TrainState;
    if (state.config?.model === undefined || !Number.isInteger(state.step)) {
      throw new UserError(
        `relpix: cannot resume because ${checkpoint.path}/state.json has no run configuration ` +
          'or step. Resume only from checkpoints written by relpix train, or start a new run.',
      );
    }
    const differences = modelConfigDifferences(state.config.model, options.config.model);
    if (differences.length > 0) {
      throw new UserError(
        `relpix: checkpoint ${checkpoint.path} is from a different model (${differences.join(', ')}); ` +
          `resume with the same model options, or choose a new --out folder`,
      );
    }
    model.assignWeights(checkpoint.weights, checkpoint.path);
    adam.restore(checkpoint.optimizer, state.step, checkpoint.path);
    return state;
  } finally {
    tf.dispose(checkpoint.weights);
    tf.dispose(checkpoint.optimizer);
  }
}

function validationEvaluation(options: TrainOptions, runner: StepRunner): Promise<Evaluation> {
  const { evalImages, batchSize } = options.config.train;
  const limit = evalImages === 0 ? options.validation.count : evalImages;
  return runner.evaluate(options.validation, limit, Math.max(batchSize, 32));
}

/** Returns the name of the first parameter holding NaN or infinity, if any. */
function nonFiniteParameter(model: PixelModel): string | undefined {
  for (const [name, variable] of model.parameters) {
    if (!(variable.dataSync() as Float32Array).every(Number.isFinite)) return name;
  }
  return undefined;
}

/**
 * Throws a UserError when `outDir` does not suit the run: a resume from a folder without a
 * checkpoint, or a new run in a folder that has one. A new run there would delete the old run's
 * checkpoints and mix both runs in metrics.jsonl.
 */
export function checkRunFolder(outDir: string, resume: boolean): void {
  const latest = latestCheckpoint(outDir);
  if (resume && latest === undefined) {
    throw new UserError(
      `relpix: --resume found no checkpoint in ${outDir}; start without --resume or pass the run's --out folder`,
    );
  }
  if (!resume && latest !== undefined) {
    throw new UserError(
      `relpix: ${outDir} already contains a run (latest checkpoint ${latest}); continue it ` +
        'with --resume, or choose a new --out folder',
    );
  }
}

/** Trains a model as `options.config` describes and returns it with the final step. */
export async function trainModel(options: TrainOptions): Promise<TrainResult> {
  const { config, outDir, progress } = options;
  validateRunConfig(config);
  fillKeptDeltas(config.model, options.train);
  const { train: settings } = config;
  checkRunFolder(outDir, options.resume);
  mkdirSync(outDir, { recursive: true });
  const metrics = new MetricsLog(join(outDir, 'metrics.jsonl'));

  const model = PixelModel.create(config.model, settings.seed);
  const adam = new Adam(model.parameters);
  let step = 0;
  let elapsedBefore = 0;
  if (options.resume) {
    const state = await restore(options, model, adam);
    step = state.step;
    elapsedBefore = state.elapsedSeconds;
    // Lines after this one repeat the steps that followed the checkpoint in the interrupted run.
    metrics.write({ type: 'resume', step });
    progress.log(`resumed from step ${step} (${outDir})`);
    // Only the cosine schedule depends on the step count.
    const startedWith = state.config.train?.steps;
    if (settings.schedule === 'cosine' && startedWith !== settings.steps) {
      progress.log(
        `warning: --steps ${settings.steps} differs from the ${startedWith} steps this ` +
          'run started with; the cosine schedule now spans the new count, so the result will ' +
          'differ from an uninterrupted run of either length',
      );
    }
  }
  // Written only now, so that a rejected resume leaves the run's config.json as it was.
  writeFileSync(join(outDir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);

  const runner = await startRunner({
    model,
    adam,
    train: options.train,
    batchSize: settings.batchSize,
    microBatch: options.microBatch ?? 0,
    seed: settings.seed,
    workers: options.workers ?? 1,
    backend: options.backend ?? 'wasm',
  });
  try {
    return await trainLoop(options, { model, adam, runner, metrics, step, elapsedBefore });
  } finally {
    await runner.close();
  }
}

interface LoopState {
  model: PixelModel;
  adam: Adam;
  runner: StepRunner;
  metrics: MetricsLog;
  step: number;
  elapsedBefore: number;
}

async function trainLoop(options: TrainOptions, loop: LoopState): Promise<TrainResult> {
  const { config, outDir, progress } = options;
  const { train: settings } = config;
  const { model, adam, runner, metrics, elapsedBefore } = loop;
  let { step } = loop;
  let validation: Evaluation | undefined;
  let lastCheckpoint: string | undefined;
  const save = async (): Promise<void> => {
    await runner.sync();
    const broken = nonFiniteParameter(model);
    if (broken !== undefined) {
      throw new UserError(
        `relpix: parameter ${broken} became NaN or infinite by step ${step}; stopped without ` +
          `saving. Last good checkpoint: ${lastCheckpoint ?? latestCheckpoint(outDir) ?? 'none'}. ` +
          `Lower --lr (now ${settings.learningRate}) and resume with --resume, or start again`,
      );
    }
    const state: TrainState = {
      config,
      step,
      elapsedSeconds: elapsedBefore + (performance.now() - started) / 1000,
      random: { seed: settings.seed, step },
      ...(validation && {
        validation: {
          step,
          bitsPerDim: validation.bitsPerDim,
          standardError: validation.standardError,
        },
      }),
    };
    lastCheckpoint = await saveCheckpoint(outDir, step, {
      weights: model.namedWeights(),
      optimizer: adam.namedState(),
      state: state as unknown as Record<string, unknown>,
    });
  };

  const schedule = { ...settings, totalSteps: settings.steps };
  const started = performance.now();
  const deadline = settings.minutes > 0 ? started + settings.minutes * 60_000 : Infinity;
  const firstStep = step;
  let stoppedBy: TrainResult['stoppedBy'] = 'steps';
  progress.start(settings.steps, step, 'train');
  while (step < settings.steps) {
    // Lets signal handlers run between steps, which a chain of resolved promises would not.
    await new Promise((resolve) => setImmediate(resolve));
    if (options.signal?.aborted) {
      stoppedBy = 'interrupt';
      break;
    }
    if (performance.now() > deadline) {
      stoppedBy = 'time';
      break;
    }
    const learningRate = learningRateAt(schedule, step);
    const loss = await runner.step(step, learningRate);
    if (!Number.isFinite(loss)) {
      progress.stop();
      const kept =
        lastCheckpoint ?? latestCheckpoint(outDir) ?? 'none (no checkpoint was written yet)';
      metrics.write({ type: 'error', step, loss: String(loss) });
      throw new UserError(
        `relpix: training loss became ${loss} at step ${step + 1}; stopped without saving. ` +
          `Last good checkpoint: ${kept}. Lower --lr (now ${settings.learningRate}) and ` +
          `resume with --resume, or start again`,
      );
    }
    step++;

    const seconds = (performance.now() - started) / 1000;
    const done = step - firstStep;
    const imagesPerSecond = (done * settings.batchSize) / seconds;
    const msPerStep = (1000 * seconds) / done;
    const remaining = ((settings.steps - step) * msPerStep) / 1000;
    metrics.write({
      type: 'train',
      step,
      bitsPerDim: loss,
      learningRate,
      msPerStep,
      imagesPerSecond,
    });
    progress.update(step, {
      'bits/dim': loss.toFixed(3),
      'img/s': imagesPerSecond.toFixed(1),
      'ms/step': msPerStep.toFixed(0),
      elapsed: formatDuration(elapsedBefore + seconds),
      left: formatDuration(Math.min(remaining, (deadline - performance.now()) / 1000)),
    });

    if (settings.evalEvery > 0 && step % settings.evalEvery === 0 && step < settings.steps) {
      validation = await validationEvaluation(options, runner);
      metrics.write({ type: 'validation', step, ...summaryOf(validation) });
      progress.log(
        `step ${step}: validation ${validation.bitsPerDim.toFixed(4)} ± ` +
          `${validation.standardError.toFixed(4)} bits/dim (${validation.images} images)`,
      );
    }
    if (settings.checkpointEvery > 0 && step % settings.checkpointEvery === 0) {
      await save();
    }
  }
  progress.stop();

  if (stoppedBy === 'interrupt') {
    // An interrupted run saves its progress at once and skips the final validation.
    metrics.write({ type: 'interrupt', step });
    validation = undefined;
  } else {
    validation = await validationEvaluation(options, runner);
    metrics.write({ type: 'validation', step, ...summaryOf(validation) });
  }
  if (step > firstStep || lastCheckpoint === undefined) {
    await save();
  }
  await runner.sync();
  adam.dispose();
  return { model, step, validation, stoppedBy, checkpoint: lastCheckpoint };
}

export function summaryOf(evaluation: Evaluation): Record<string, number> {
  return {
    bitsPerDim: evaluation.bitsPerDim,
    standardError: evaluation.standardError,
    images: evaluation.images,
  };
}
