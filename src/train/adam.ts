/**
 * Adam (Kingma and Ba 2015) over a model's named variables, with its state exposed as named
 * tensors so that a checkpoint can restore it bit for bit.
 *
 * TensorFlow.js's own AdamOptimizer rebuilds its bias-correction accumulators from the step
 * count on restore, which changes their float values, so a resumed run would drift.
 */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../errors.js';
import type { ParameterMap } from '../model/parameters.js';

export interface AdamSettings {
  beta1: number;
  beta2: number;
  epsilon: number;
}

export const DEFAULT_ADAM: AdamSettings = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

export class Adam {
  /** Number of updates applied so far. */
  step = 0;
  private readonly first = new Map<string, tf.Variable>();
  private readonly second = new Map<string, tf.Variable>();

  constructor(
    private readonly parameters: ParameterMap,
    private readonly settings: AdamSettings = DEFAULT_ADAM,
  ) {
    for (const [name, variable] of parameters) {
      this.first.set(name, tf.variable(tf.zerosLike(variable), false));
      this.second.set(name, tf.variable(tf.zerosLike(variable), false));
    }
  }

  /** Applies one update with `gradients` (by parameter name) at `learningRate`. */
  apply(gradients: Map<string, tf.Tensor>, learningRate: number): void {
    this.step++;
    const { beta1, beta2, epsilon } = this.settings;
    // Bias correction folded into the step size, computed in float64.
    const correction = Math.sqrt(1 - beta2 ** this.step) / (1 - beta1 ** this.step);
    const stepSize = learningRate * correction;
    tf.tidy(() => {
      for (const [name, variable] of this.parameters) {
        const gradient = gradients.get(name);
        if (gradient === undefined) continue;
        const m = this.first.get(name) as tf.Variable;
        const v = this.second.get(name) as tf.Variable;
        m.assign(tf.add(tf.mul(m, beta1), tf.mul(gradient, 1 - beta1)));
        v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(gradient), 1 - beta2)));
        const update = tf.div(tf.mul(m, stepSize), tf.add(tf.sqrt(v), epsilon));
        variable.assign(tf.sub(variable, update));
      }
    });
  }

  /** Returns the state as named tensors (still owned by the optimiser) for a checkpoint. */
  namedState(): tf.NamedTensorMap {
    const state: tf.NamedTensorMap = {};
    for (const [name, m] of this.first) state[`${name}/m`] = m;
    for (const [name, v] of this.second) state[`${name}/v`] = v;
    return state;
  }

  /** Restores the state saved by `namedState` together with the step count. */
  restore(state: tf.NamedTensorMap, step: number, source: string): void {
    for (const [slots, suffix] of [
      [this.first, 'm'],
      [this.second, 'v'],
    ] as const) {
      for (const [name, slot] of slots) {
        const value = state[`${name}/${suffix}`];
        if (value === undefined || JSON.stringify(value.shape) !== JSON.stringify(slot.shape)) {
          throw new UserError(
            `relpix: ${source} has no matching optimiser state for ${name}: the checkpoint ` +
              `is from a different model configuration`,
          );
        }
        slot.assign(value);
      }
    }
    this.step = step;
  }

  dispose(): void {
    for (const slot of [...this.first.values(), ...this.second.values()]) slot.dispose();
  }
}
