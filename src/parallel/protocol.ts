/** Messages between the training thread and its data-parallel workers. */
import type { BackendName } from '../engine/backend.js';
import type { ModelConfig } from '../model/config.js';

/** An image set whose pixels live in shared memory, so that every worker reads one copy. */
export interface SharedImages {
  buffer: SharedArrayBuffer;
  count: number;
  height: number;
  width: number;
  channels: number;
}

export interface InitMessage {
  type: 'init';
  index: number;
  workers: number;
  backend: BackendName;
  model: ModelConfig;
  seed: number;
  batchSize: number;
  /** Largest number of images per forward and backward pass (0: the whole shard). */
  microBatch: number;
  train: SharedImages;
  /** Gradient slots, one per worker, each holding every parameter in order (float32). */
  gradients: SharedArrayBuffer;
  /** Barrier state, then one float64 loss slot per worker. */
  control: SharedArrayBuffer;
}

export interface StateMessage {
  type: 'setState';
  weights: Record<string, Float32Array>;
  optimizer: Record<string, Float32Array>;
  step: number;
}

export interface StepMessage {
  type: 'step';
  step: number;
  learningRate: number;
}

export interface EvaluateMessage {
  type: 'evaluate';
  images: SharedImages;
  start: number;
  end: number;
  batchSize: number;
}

export type WorkerRequest =
  | InitMessage
  | StateMessage
  | StepMessage
  | EvaluateMessage
  | { type: 'getState' }
  | { type: 'exit' };

export type WorkerReply =
  | { type: 'ready'; parameters: number }
  | { type: 'stateSet' }
  | { type: 'stepped'; loss: number }
  | {
      type: 'state';
      weights: Record<string, Float32Array>;
      optimizer: Record<string, Float32Array>;
      step: number;
    }
  | { type: 'evaluated'; perImage: Float64Array }
  | { type: 'error'; message: string; user: boolean };

/** Byte offset of worker k's float64 loss slot in the control buffer. */
export function lossOffset(k: number): number {
  return 8 + 8 * k;
}

/** Size of the control buffer for `workers` workers. */
export function controlBytes(workers: number): number {
  return lossOffset(workers);
}
