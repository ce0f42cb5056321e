import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/engine/backend.js';

/** Runs `f` on the wasm and cpu backends and returns both results as flat arrays. */
async function onBothBackends(
  f: () => tf.Tensor,
): Promise<{ wasm: Float32Array; cpu: Float32Array; shape: number[][] }> {
  const results: Float32Array[] = [];
  const shapes: number[][] = [];
  for (const backend of ['wasm', 'cpu'] as const) {
    await useBackend(backend);
    const { values, shape } = tf.tidy(() => {
      const y = f();
      return { values: y.dataSync() as Float32Array, shape: y.shape };
    });
    results.push(Float32Array.from(values));
    shapes.push(shape);
  }
  return { wasm: results[0], cpu: results[1], shape: shapes };
}

function assertClose(actual: Float32Array, expected: Float32Array): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    const tolerance = 1e-4 * Math.max(1, Math.abs(expected[i]));
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= tolerance,
      `[${i}] ${actual[i]} vs ${expected[i]}`,
    );
  }
}

const x = (): tf.Tensor => tf.randomNormal([3, 4, 5, 6], 0, 1, 'float32', 7);

const sums: Array<[string, () => tf.Tensor]> = [
  ['leading axes 0,1,2', () => tf.sum(x(), [0, 1, 2])],
  ['leading axes kept', () => tf.sum(x(), [0, 1], true)],
  ['axis 0', () => tf.sum(x(), 0)],
  ['inner axis (shipped kernel)', () => tf.sum(x(), 3)],
  ['middle axes (shipped kernel)', () => tf.sum(x(), [1, 2])],
  ['all axes', () => tf.sum(x())],
];

for (const [name, f] of sums) {
  test(`sum on wasm matches cpu: ${name}`, async () => {
    const { wasm, cpu, shape } = await onBothBackends(f);
    assert.deepEqual(shape[0], shape[1]);
    assertClose(wasm, cpu);
  });
}

const products: Array<[string, boolean, boolean]> = [
  ['plain', false, false],
  ['transposeA', true, false],
  ['transposeB', false, true],
  ['both transposed', true, true],
];

for (const [name, transposeA, transposeB] of products) {
  test(`matMul on wasm matches cpu: ${name}`, async () => {
    const { wasm, cpu } = await onBothBackends(() => {
      const a = tf.randomNormal(transposeA ? [2, 7, 5] : [2, 5, 7], 0, 1, 'float32', 3);
      const b = tf.randomNormal(transposeB ? [2, 4, 7] : [2, 7, 4], 0, 1, 'float32', 4);
      return tf.matMul(a, b, transposeA, transposeB);
    });
    assertClose(wasm, cpu);
  });
}

test('gather gradient on wasm matches cpu', async () => {
  const { wasm, cpu } = await onBothBackends(() => {
    const table = tf.randomNormal([6, 3], 0, 1, 'float32', 5);
    const indices = tf.tensor1d([0, 5, 5, 2, 0, 0, 3], 'int32');
    const weights = tf.randomNormal([7, 3], 0, 1, 'float32', 6);
    return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, indices), weights)))(table);
  });
  assertClose(wasm, cpu);
});

test('identity on wasm shares data and survives disposal of its input', async () => {
  await useBackend('wasm');
  const a = tf.tensor1d([1, 2, 3]);
  const b = tf.clone(a);
  a.dispose();
  assert.deepEqual(Array.from(b.dataSync()), [1, 2, 3]);
  b.dispose();
});
