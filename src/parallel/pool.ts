/**
 * A pool of data-parallel training workers, one TensorFlow.js instance per thread. Each step,
 * every worker takes its share of the batch; gradients are averaged through shared memory, and
 * each replica applies the same update.
 */
import { Worker } from 'node:worker_threads';
import type { ImageSet } from '../data/image_set.js';
import type { BackendName } from '../engine/backend.js';
import { UserError } from '../errors.js';
import type { ModelConfig } from '../model/config.js';
import type { PixelModel } from '../model/model.js';
import type { Adam } from '../train/adam.js';
import {
  controlBytes,
  type SharedImages,
  type WorkerReply,
  type WorkerRequest,
} from './protocol.js';

export interface PoolOptions {
  workers: number;
  backend: BackendName;
  model: ModelConfig;
  seed: number;
  batchSize: number;
  /** Largest number of images per forward and backward pass in a worker (0: its whole shard). */
  microBatch: number;
  train: ImageSet;
  /** Parameter count of the model, which sizes the gradient slots. */
  parameters: number;
}

/** Copies an image set into shared memory that workers can read without copying. */
export function shareImages(set: ImageSet): SharedImages {
  const buffer = new SharedArrayBuffer(set.images.length);
  new Uint8Array(buffer).set(set.images);
  const { count, height, width, channels } = set;
  return { buffer, count, height, width, channels };
}

class WorkerHandle {
  private pending:
    { resolve: (reply: WorkerReply) => void; reject: (error: Error) => void } | undefined;

  constructor(readonly worker: Worker) {
    worker.on('message', (reply: WorkerReply) => {
      const pending = this.pending;
      this.pending = undefined;
      if (reply.type === 'error') {
        pending?.reject(reply.user ? new UserError(reply.message) : new Error(reply.message));
      } else {
        pending?.resolve(reply);
      }
    });
    worker.on('error', (error) => {
      this.pending?.reject(error);
      this.pending = undefined;
    });
  }

  request(message: WorkerRequest): Promise<WorkerReply> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage(message);
    });
  }
}

export class WorkerPool {
  private constructor(private readonly handles: WorkerHandle[]) {}

  get size(): number {
    return this.handles.length;
  }

  /** Starts the workers and waits until each has built its replica. */
  static async start(options: PoolOptions): Promise<WorkerPool> {
    const url = new URL('./worker.js', import.meta.url);
    const gradients = new SharedArrayBuffer(4 * options.parameters * options.workers);
    const control = new SharedArrayBuffer(controlBytes(options.workers));
    const train = shareImages(options.train);
    const handles = Array.from(
      { length: options.workers },
      () => new WorkerHandle(new Worker(url)),
    );
    const pool = new WorkerPool(handles);
    await Promise.all(
      handles.map((handle, index) =>
        handle.request({
          type: 'init',
          index,
          workers: options.workers,
          backend: options.backend,
          model: options.model,
          seed: options.seed,
          batchSize: options.batchSize,
          microBatch: options.microBatch,
          train,
          gradients,
          control,
        }),
      ),
    );
    return pool;
  }

  /** Copies the weights and optimiser state of `model` and `adam` into every replica. */
  async setState(model: PixelModel, adam: Adam): Promise<void> {
    const read = (tensors: Record<string, { dataSync(): unknown }>) =>
      Object.fromEntries(
        Object.entries(tensors).map(([name, t]) => [name, t.dataSync() as Float32Array]),
      );
    const weights = read(model.namedWeights());
    const optimizer = read(adam.namedState());
    await Promise.all(
      this.handles.map((handle) =>
        handle.request({ type: 'setState', weights, optimizer, step: adam.step }),
      ),
    );
  }

  /** Runs optimiser step `step` on all workers and returns the batch's bits/dim. */
  async step(step: number, learningRate: number): Promise<number> {
    const replies = await Promise.all(
      this.handles.map((handle) => handle.request({ type: 'step', step, learningRate })),
    );
    const first = replies[0];
    if (first.type !== 'stepped') throw new Error(`relpix: worker replied ${first.type}`);
    return first.loss;
  }

  /** Copies worker 0's weights and optimiser state into `model` and `adam`. */
  async getState(model: PixelModel, adam: Adam): Promise<void> {
    const reply = await this.handles[0].request({ type: 'getState' });
    if (reply.type !== 'state') throw new Error(`relpix: worker replied ${reply.type}`);
    const tf = await import('@tensorflow/tfjs');
    const toTensors = (
      arrays: Record<string, Float32Array>,
      shapes: Record<string, { shape: number[] }>,
    ) =>
      Object.fromEntries(
        Object.entries(arrays).map(([name, values]) => [
          name,
          tf.tensor(values, shapes[name].shape),
        ]),
      );
    const weights = toTensors(reply.weights, model.namedWeights());
    const optimizer = toTensors(reply.optimizer, adam.namedState());
    model.assignWeights(weights, 'worker 0');
    adam.restore(optimizer, reply.step, 'worker 0');
    tf.dispose([...Object.values(weights), ...Object.values(optimizer)]);
  }

  /** Evaluates images [0, count) of a shared set, split between the workers; bits/dim per image. */
  async evaluate(images: SharedImages, count: number, batchSize: number): Promise<Float64Array> {
    const parts = await Promise.all(
      this.handles.map((handle, k) => {
        const start = Math.floor((k * count) / this.size);
        const end = Math.floor(((k + 1) * count) / this.size);
        return handle.request({ type: 'evaluate', images, start, end, batchSize });
      }),
    );
    const perImage = new Float64Array(count);
    let offset = 0;
    for (const part of parts) {
      if (part.type !== 'evaluated') throw new Error(`relpix: worker replied ${part.type}`);
      perImage.set(part.perImage, offset);
      offset += part.perImage.length;
    }
    return perImage;
  }

  async close(): Promise<void> {
    await Promise.all(this.handles.map((handle) => handle.worker.terminate()));
  }
}
