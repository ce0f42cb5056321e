/**
 * A data-parallel training worker: keeps a replica of the model and optimiser, computes the
 * gradient of its share of each batch, and applies the same averaged update as every other
 * worker, so the replicas stay identical.
 */
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import type { ImageSet } from '../data/image_set.js';
import { useBackend } from '../engine/backend.js';
import { UserError } from '../errors.js';
import { PixelModel } from '../model/model.js';
import { Adam } from '../train/adam.js';
import { batchIndices, gatherImages } from '../train/batches.js';
import { evaluate } from '../train/evaluate.js';
import { batchGradients } from '../train/step.js';
import { Barrier } from './barrier.js';
import {
  lossOffset,
  type InitMessage,
  type SharedImages,
  type WorkerReply,
  type WorkerRequest,
} from './protocol.js';
import { shardBounds } from './shards.js';

interface Replica {
  init: InitMessage;
  model: PixelModel;
  adam: Adam;
  train: ImageSet;
  barrier: Barrier;
  losses: Float64Array;
  /** Offset and size of each parameter in a gradient slot, in parameter order. */
  layout: Array<{ name: string; offset: number; size: number; shape: number[] }>;
  slotSize: number;
}

function imageSet(shared: SharedImages): ImageSet {
  const { count, height, width, channels } = shared;
  return { images: new Uint8Array(shared.buffer), count, height, width, channels };
}

async function start(init: InitMessage): Promise<Replica> {
  await useBackend(init.backend);
  const model = PixelModel.create(init.model, init.seed);
  const adam = new Adam(model.parameters);
  const layout: Replica['layout'] = [];
  let offset = 0;
  for (const [name, variable] of model.parameters) {
    layout.push({ name, offset, size: variable.size, shape: variable.shape });
    offset += variable.size;
  }
  return {
    init,
    model,
    adam,
    train: imageSet(init.train),
    barrier: new Barrier(init.control, 0, init.workers),
    losses: new Float64Array(init.control, lossOffset(0), init.workers),
    layout,
    slotSize: offset,
  };
}

/** Computes this worker's shard gradient into its slot and returns the shard's bits/dim. */
function shardGradient(replica: Replica, step: number): number {
  const { init, model, layout, slotSize } = replica;
  const slot = new Float32Array(init.gradients, 4 * slotSize * init.index, slotSize);
  const indices = batchIndices(replica.train.count, init.batchSize, init.seed, step);
  const [from, to] = shardBounds(init.batchSize, init.workers, init.index);
  if (to === from) {
    slot.fill(0);
    return 0;
  }
  const batch = gatherImages(replica.train, indices.slice(from, to));
  const { loss, gradients } = batchGradients(model, batch, init.microBatch);
  for (const { name, offset, size } of layout) {
    // A parameter that the loss does not depend on gets a zero gradient.
    const gradient = gradients.get(name);
    if (gradient === undefined) {
      slot.fill(0, offset, offset + size);
    } else {
      slot.set(gradient.dataSync(), offset);
    }
  }
  tf.dispose([...gradients.values()]);
  return loss;
}

/** Averages the slots of all workers, weighted by shard size, in worker order. */
function averageGradients(replica: Replica): Map<string, tf.Tensor> {
  const { init, layout, slotSize } = replica;
  const total = new Float32Array(slotSize);
  for (let k = 0; k < init.workers; k++) {
    const [from, to] = shardBounds(init.batchSize, init.workers, k);
    if (to === from) continue;
    const weight = (to - from) / init.batchSize;
    const slot = new Float32Array(init.gradients, 4 * slotSize * k, slotSize);
    for (let i = 0; i < slotSize; i++) total[i] += weight * slot[i];
  }
  const gradients = new Map<string, tf.Tensor>();
  for (const { name, offset, size, shape } of layout) {
    gradients.set(name, tf.tensor(total.subarray(offset, offset + size), shape));
  }
  return gradients;
}

function step(replica: Replica, stepNumber: number, learningRate: number): number {
  const { init, losses } = replica;
  losses[init.index] = shardGradient(replica, stepNumber);
  replica.barrier.wait();
  let loss = 0;
  for (let k = 0; k < init.workers; k++) {
    const [from, to] = shardBounds(init.batchSize, init.workers, k);
    loss += ((to - from) / init.batchSize) * losses[k];
  }
  if (Number.isFinite(loss)) {
    const gradients = averageGradients(replica);
    replica.adam.apply(gradients, learningRate);
    tf.dispose([...gradients.values()]);
  }
  return loss;
}

function readState(tensors: tf.NamedTensorMap): Record<string, Float32Array> {
  return Object.fromEntries(
    Object.entries(tensors).map(([name, t]) => [name, t.dataSync() as Float32Array]),
  );
}

let replica: Replica | undefined;

async function handle(request: WorkerRequest): Promise<WorkerReply | undefined> {
  if (request.type === 'init') {
    replica = await start(request);
    return { type: 'ready', parameters: replica.model.parameterCount };
  }
  if (replica === undefined) throw new Error('relpix: worker used before init');
  switch (request.type) {
    case 'setState': {
      const weights = tf.tidy(() => toTensors(request.weights, replica as Replica, false));
      const optimizer = toTensors(request.optimizer, replica, true);
      replica.model.assignWeights(weights, 'the training thread');
      replica.adam.restore(optimizer, request.step, 'the training thread');
      tf.dispose([...Object.values(weights), ...Object.values(optimizer)]);
      return { type: 'stateSet' };
    }
    case 'step':
      return { type: 'stepped', loss: step(replica, request.step, request.learningRate) };
    case 'getState':
      return {
        type: 'state',
        weights: readState(replica.model.namedWeights()),
        optimizer: readState(replica.adam.namedState()),
        step: replica.adam.step,
      };
    case 'evaluate': {
      const images = imageSet(request.images);
      const part = { ...images, images: images.images, count: request.end };
      const result = evaluate(
        replica.model,
        part,
        request.batchSize,
        request.end,
        undefined,
        request.start,
      );
      return { type: 'evaluated', perImage: result.perImage };
    }
    case 'exit':
      replica.adam.dispose();
      replica.model.dispose();
      process.exit(0);
  }
}

function toTensors(
  arrays: Record<string, Float32Array>,
  replica: Replica,
  optimizer: boolean,
): tf.NamedTensorMap {
  const source = optimizer ? replica.adam.namedState() : replica.model.namedWeights();
  return Object.fromEntries(
    Object.entries(arrays).map(([name, values]) => [
      name,
      tf.tensor(values, source[name]?.shape ?? [values.length]),
    ]),
  );
}

parentPort?.on('message', (request: WorkerRequest) => {
  handle(request).then(
    (reply) => reply && parentPort?.postMessage(reply),
    (error: unknown) =>
      parentPort?.postMessage({
        type: 'error',
        message: error instanceof Error ? error.message : String(error),
        user: error instanceof UserError,
      }),
  );
});
