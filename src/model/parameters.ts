/**
 * The named trainable variables of a model, created deterministically from a seed.
 */
import * as tf from '@tensorflow/tfjs';

export type ParameterMap = Map<string, tf.Variable>;

/** Creates parameters in a fixed order, each initialised from its own seed. */
export class ParameterFactory {
  readonly parameters: ParameterMap = new Map();
  private counter = 0;

  constructor(private readonly seed: number) {}

  /**
   * Adds a weight of `shape` drawn from a normal distribution with standard deviation
   * gain / sqrt(fanIn), where fanIn is the product of all axes but the last.
   */
  weight(name: string, shape: number[], gain = 1): tf.Variable {
    const fanIn = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const std = gain / Math.sqrt(fanIn);
    // Seeds of 0 mean "unseeded" to TensorFlow.js, so every seed here is positive.
    const seed = this.seed * 7919 + ++this.counter;
    const value = tf.tidy(() => tf.randomNormal(shape, 0, std, 'float32', seed));
    return this.add(name, value);
  }

  /** Adds a tensor of zeros, for biases. */
  zeros(name: string, shape: number[]): tf.Variable {
    this.counter++;
    return this.add(name, tf.zeros(shape));
  }

  private add(name: string, value: tf.Tensor): tf.Variable {
    if (this.parameters.has(name)) {
      throw new Error(`relpix: parameter ${name} is defined twice`);
    }
    const variable = tf.variable(value, true, `${name}_${uniqueSuffix()}`);
    value.dispose();
    this.parameters.set(name, variable);
    return variable;
  }
}

let suffix = 0;

/** TensorFlow.js variable names are global, so each model's variables get a unique suffix. */
function uniqueSuffix(): number {
  return ++suffix;
}

/** Counts the scalar values in `parameters`. */
export function countParameters(parameters: ParameterMap): number {
  let total = 0;
  for (const variable of parameters.values()) {
    total += variable.size;
  }
  return total;
}

/** Returns a parameter by name, or throws if the model has none of that name. */
export function getParameter<T extends tf.Tensor = tf.Tensor>(
  parameters: ParameterMap,
  name: string,
): T {
  const value = parameters.get(name);
  if (value === undefined) {
    throw new Error(`relpix: the model has no parameter ${name}`);
  }
  return value as unknown as T;
}
