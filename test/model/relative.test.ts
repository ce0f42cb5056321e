import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/engine/backend.js';
import type { ModelConfig } from '../../src/model/config.js';
import { gateLogProbs } from '../../src/model/mixture.js';
import { PixelModel } from '../../src/model/model.js';
import { absoluteLogits } from '../../src/model/predictors/absolute.js';
import type { PredictorConfig } from '../../src/model/predictors/config.js';
import type { OutputNeighbours } from '../../src/model/predictors/neighbours.js';
import { allImages, assertCausal, logSumExp } from './enumerate.js';

const backbone = { depth: 1, hidden: 4, skip: 8 };

function output(neighbours: OutputNeighbours, mask: boolean, kept?: number[]): PredictorConfig {
  return kept === undefined
    ? { kind: 'output', neighbours, mask, prune: 100 }
    : { kind: 'output', neighbours, mask, prune: 50, kept };
}

/** Sums p(x) over every image of the model's size and returns the log of the total. */
function logTotal(model: PixelModel): number {
  const { height, width, channels, levels } = model.config;
  return tf.tidy(() => {
    const images = allImages(height, width, channels, levels);
    return logSumExp(model.logProb(images).dataSync());
  });
}

const kept = [0, 1, -1];
const combinations: Array<[string, PredictorConfig[]]> = [
  ['output:left', [output('left', true)]],
  ['output:top', [output('top', true)]],
  ['output:left+top', [output('left+top', true)]],
  ['output:2x2', [output('2x2', true)]],
  ['output:3x3', [output('3x3', true)]],
  ['output:5x5', [output('5x5', true)]],
  ['absolute + output:left+top', [{ kind: 'absolute' }, output('left+top', true)]],
  ['absolute + pruned output:left+top', [{ kind: 'absolute' }, output('left+top', true, kept)]],
  ['absolute + pruned output:3x3', [{ kind: 'absolute' }, output('3x3', true, kept)]],
  ['pruned output:left + output:top', [output('left', true, kept), output('top', true)]],
];

const shapes: Array<[string, Pick<ModelConfig, 'height' | 'width' | 'channels' | 'levels'>]> = [
  ['2x2 grey', { height: 2, width: 2, channels: 1, levels: 4 }],
  ['1x2 RGB', { height: 1, width: 2, channels: 3, levels: 4 }],
];

for (const [name, predictors] of combinations) {
  for (const [shapeName, shape] of shapes) {
    test(`masked ${name} sums to 1 on ${shapeName}`, async () => {
      await useBackend('wasm');
      const model = PixelModel.create({ ...shape, ...backbone, predictors }, 3);
      const total = logTotal(model);
      assert.ok(Math.abs(total) < 1e-4, `log total probability ${total}`);
      model.dispose();
    });
  }
}

test('unmasked relative model is deficient', async () => {
  await useBackend('wasm');
  const config: ModelConfig = {
    height: 2,
    width: 2,
    channels: 1,
    levels: 4,
    ...backbone,
    predictors: [output('left+top', false)],
  };
  const model = PixelModel.create(config, 4);
  const total = logTotal(model);
  assert.ok(total < -1e-3, `log total probability ${total} should be below 0`);
  model.dispose();
});

test('mixture is causal with relative predictors', async () => {
  await useBackend('wasm');
  const config: ModelConfig = {
    height: 3,
    width: 4,
    channels: 3,
    levels: 8,
    ...backbone,
    predictors: [{ kind: 'absolute' }, output('3x3', true), output('5x5', false)],
  };
  const model = PixelModel.create(config, 8);
  const base = Int32Array.from({ length: 3 * 4 * 3 }, (_, k) => (k * 5 + 3) % 8);
  assertCausal(model, base);
  model.dispose();
});

/** A 2x3 RGB image at 8 levels whose neighbours differ by large and small amounts. */
const testImage = Int32Array.from([0, 7, 3, 1, 7, 3, 7, 0, 3, 0, 6, 2, 1, 6, 2, 7, 7, 7]);

function mixtureModel(): PixelModel {
  const predictors: PredictorConfig[] = [{ kind: 'absolute' }, output('left+top', true, kept)];
  return PixelModel.create(
    { height: 2, width: 3, channels: 3, levels: 8, ...backbone, predictors },
    9,
  );
}

test('marginal equals brute-force sum over latent choices', async () => {
  await useBackend('wasm');
  const model = mixtureModel();
  const relative = model.relative[1] as NonNullable<(typeof model.relative)[1]>;
  tf.tidy(() => {
    const x = tf.tensor4d(testImage, [1, 2, 3, 3], 'int32');
    const context = model.imageContext(x);
    const gate = tf.exp(gateLogProbs(model.parameters, model.config, context.subPixelStates[0]));
    const gates = gate.arraySync() as number[][];
    const prepared = relative.prepare(model.parameters, context);
    const pointer = tf.exp(prepared.pointer).arraySync() as number[][];
    const absolute = [0, 1, 2].map(
      (c) =>
        tf
          .softmax(absoluteLogits(model.parameters, c, context.subPixelStates[c]))
          .arraySync() as number[][],
    );
    const relativeValues = [0, 1].map((r) =>
      [0, 1, 2].map((c) => relative.valueLogProbs(model.parameters, context, prepared, c, r)),
    );
    const modelLogProbs = model.pixelLogProbs(x).dataSync();
    for (let i = 0; i < 6; i++) {
      const value = (c: number) => testImage[i * 3 + c];
      let absoluteProduct = 1;
      for (let c = 0; c < 3; c++) absoluteProduct *= absolute[c][i][value(c)];
      let relativeSum = 0;
      for (let r = 0; r < 2; r++) {
        let product = pointer[i][r];
        for (let c = 0; c < 3; c++) product *= Math.exp(relativeValues[r][c][i * 8 + value(c)]);
        relativeSum += product;
      }
      const expected = Math.log(gates[i][0] * absoluteProduct + gates[i][1] * relativeSum);
      assert.ok(
        Math.abs(modelLogProbs[i] - expected) < 1e-4,
        `pixel ${i}: model ${modelLogProbs[i]}, brute force ${expected}`,
      );
    }
  });
  model.dispose();
});

test('copy over a pruned delta has zero probability', async () => {
  await useBackend('wasm');
  const model = mixtureModel();
  const relative = model.relative[1] as NonNullable<(typeof model.relative)[1]>;
  tf.tidy(() => {
    const x = tf.tensor4d(testImage, [1, 2, 3, 3], 'int32');
    const context = model.imageContext(x);
    const prepared = relative.prepare(model.parameters, context);
    for (let r = 0; r < 2; r++) {
      for (let c = 0; c < 3; c++) {
        const values = relative.valueLogProbs(model.parameters, context, prepared, c, r);
        for (let i = 0; i < 6; i++) {
          const source = prepared.sources.values[r][c][i];
          let total = 0;
          for (let v = 0; v < 8; v++) {
            const probability = Math.exp(values[i * 8 + v]);
            total += probability;
            if (!kept.includes(v - source)) {
              assert.equal(probability, 0, `value ${v} from source ${source} is pruned`);
            }
          }
          assert.ok(Math.abs(total - 1) < 1e-5, `masked row sums to ${total}`);
        }
      }
    }
    // Pixel 2 (7, 0, 3) differs from its left neighbour (1, 7, 3) by 6, -7, 0 and from the
    // null pixel above by 7, 0, 3, so both copies need a pruned delta.
    const perPixel = relative.logProb(model.parameters, context, 3).dataSync();
    assert.equal(Math.exp(perPixel[2]), 0);
    assert.ok(Math.exp(perPixel[1]) > 0, 'pixel 1 copies its left neighbour with kept deltas');
  });
  model.dispose();
});

test('unmasked adjustment loses mass outside the range', async () => {
  await useBackend('wasm');
  const predictors: PredictorConfig[] = [output('left', false)];
  const model = PixelModel.create(
    { height: 1, width: 2, channels: 1, levels: 4, ...backbone, predictors },
    2,
  );
  const relative = model.relative[0] as NonNullable<(typeof model.relative)[0]>;
  tf.tidy(() => {
    const x = tf.tensor4d([3, 1], [1, 1, 2, 1], 'int32');
    const context = model.imageContext(x);
    const prepared = relative.prepare(model.parameters, context);
    const values = relative.valueLogProbs(model.parameters, context, prepared, 0, 0);
    const row = Array.from(values.subarray(4, 8), Math.exp);
    const total = row.reduce((a, b) => a + b, 0);
    assert.ok(total < 1 - 1e-3, `in-range mass ${total} should be below 1`);
    assert.ok(total > 0, `in-range mass ${total} should be positive`);
  });
  model.dispose();
});

test('gradients are finite when deltas are pruned', async () => {
  await useBackend('wasm');
  const model = mixtureModel();
  const x = tf.tensor4d(testImage, [1, 2, 3, 3], 'int32');
  const variables = [...model.parameters.values()];
  const loss = (): tf.Scalar => tf.neg(tf.sum(model.logProb(x))) as tf.Scalar;
  const { value, grads } = tf.variableGrads(loss, variables);
  assert.ok(Number.isFinite(value.dataSync()[0]));
  for (const [name, gradient] of Object.entries(grads)) {
    const values = gradient.dataSync();
    assert.ok(values.every(Number.isFinite), `gradient of ${name} is not finite`);
  }
  tf.dispose([value, x, grads]);
  model.dispose();
});

/** A 3x4 RGB image at 8 levels whose neighbours differ by small and large steps. */
const gridImage = Int32Array.from({ length: 3 * 4 * 3 }, (_, k) => (k * 5 + (k % 3) * 2) % 8);

function inputModel(mask: boolean, keep?: number[]): PixelModel {
  const input: PredictorConfig =
    keep === undefined
      ? { kind: 'input', neighbours: '3x3', mask, prune: 100 }
      : { kind: 'input', neighbours: '3x3', mask, prune: 50, kept: keep };
  const predictors: PredictorConfig[] = [{ kind: 'absolute' }, input];
  return PixelModel.create(
    { height: 3, width: 4, channels: 3, levels: 8, ...backbone, predictors, task: 'colourise' },
    11,
  );
}

/**
 * Computes log sum_r p(r) prod_{c<k} p(x_{i,c} | r) [pixels] in float64 from the pointer of
 * `prepare` and the per-candidate value distributions of `valueLogProbs`.
 */
function bruteForceLogProbs(model: PixelModel, x: tf.Tensor4D, k: number): number[] {
  const relative = model.relative[1] as NonNullable<(typeof model.relative)[1]>;
  const { levels, channels } = model.config;
  return tf.tidy(() => {
    const context = model.imageContext(x);
    const prepared = relative.prepare(model.parameters, context);
    const pointer = prepared.pointer.arraySync() as number[][];
    const perCandidate = relative.offsets.map((_, r) =>
      [0, 1, 2].map((c) => relative.valueLogProbs(model.parameters, context, prepared, c, r)),
    );
    return pointer.map((pointerRow, i) => {
      const terms = pointerRow.map((logPointer, r) => {
        let term = logPointer;
        for (let c = 0; c < k; c++) {
          term += perCandidate[r][c][i * levels + gridImage[i * channels + c]];
        }
        return term;
      });
      return logSumExp(terms);
    });
  });
}

const inputCases: Array<[string, boolean, number[] | undefined]> = [
  ['masked', true, undefined],
  ['unmasked', false, undefined],
  ['masked pruned', true, [0, 1, -1, 2, -2, 3, -3]],
];

for (const [name, mask, keep] of inputCases) {
  test(`${name} input:3x3 logProb equals brute force`, async () => {
    await useBackend('wasm');
    const model = inputModel(mask, keep);
    const relative = model.relative[1] as NonNullable<(typeof model.relative)[1]>;
    const x = tf.tensor4d(gridImage, [1, 3, 4, 3], 'int32');
    for (const k of [1, 3]) {
      const expected = bruteForceLogProbs(model, x, k);
      const actual = tf.tidy(() =>
        relative.logProb(model.parameters, model.imageContext(x), k).dataSync(),
      );
      expected.forEach((value, i) => {
        if (value < -1e20) {
          assert.ok(actual[i] < -1e20, `pixel ${i}, k = ${k}: ${actual[i]} should be impossible`);
        } else {
          const difference = Math.abs(actual[i] - value);
          assert.ok(
            difference < 1e-4,
            `pixel ${i}, k = ${k}: ${actual[i]} vs brute force ${value}`,
          );
        }
      });
    }
    x.dispose();
    model.dispose();
  });
}

test('input:3x3 gradient matches finite differences', async () => {
  await useBackend('wasm');
  const model = inputModel(true);
  const relative = model.relative[1] as NonNullable<(typeof model.relative)[1]>;
  const x = tf.tensor4d(gridImage, [1, 3, 4, 3], 'int32');
  const loss = (): tf.Scalar =>
    tf.sum(relative.logProb(model.parameters, model.imageContext(x), 3)) as tf.Scalar;
  const names = [
    'input_3x3/delta_0',
    'input_3x3/delta_bias_1',
    'input_3x3/source_delta_2',
    'input_3x3/source_state',
    'input_3x3/source_value_1',
    'input_3x3/null_state',
    'input_3x3/pointer',
  ];
  const variables = names.map((name) => model.parameters.get(name) as tf.Variable);
  const { value, grads } = tf.variableGrads(loss, variables);
  value.dispose();
  const epsilon = 1e-2;
  names.forEach((name, j) => {
    const variable = variables[j];
    const gradient = grads[variable.name].dataSync();
    // The entry with the largest gradient gives the finite difference the most signal.
    let entry = 0;
    for (let e = 0; e < gradient.length; e++) {
      if (Math.abs(gradient[e]) > Math.abs(gradient[entry])) entry = e;
    }
    const original = variable.dataSync().slice();
    const lossAt = (offset: number): number => {
      const moved = original.slice();
      moved[entry] += offset;
      variable.assign(tf.tensor(moved, variable.shape));
      return tf.tidy(() => loss().dataSync()[0]);
    };
    const difference = (lossAt(epsilon) - lossAt(-epsilon)) / (2 * epsilon);
    variable.assign(tf.tensor(original, variable.shape));
    const tolerance = 2e-3 + 1e-2 * Math.abs(gradient[entry]);
    assert.ok(
      Math.abs(difference - gradient[entry]) < tolerance,
      `${name}[${entry}]: gradient ${gradient[entry]}, finite difference ${difference}`,
    );
  });
  tf.dispose(grads);
  x.dispose();
  model.dispose();
});
