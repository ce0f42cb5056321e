import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/engine/backend.js';

interface ConvCase {
  name: string;
  x: [number, number, number, number];
  k: [number, number, number, number];
  pad: 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
}

const cases: ConvCase[] = [
  { name: '5x5 same', x: [2, 9, 8, 3], k: [5, 5, 3, 4], pad: 'same' },
  { name: '3x5 valid', x: [3, 7, 10, 5], k: [3, 5, 5, 6], pad: 'valid' },
  { name: '1x1 valid', x: [2, 4, 4, 6], k: [1, 1, 6, 3], pad: 'valid' },
  {
    name: 'asymmetric explicit',
    x: [2, 6, 7, 2],
    k: [3, 7, 2, 5],
    pad: [
      [0, 0],
      [2, 0],
      [3, 3],
      [0, 0],
    ],
  },
  { name: '4x4 same (even kernel)', x: [1, 6, 6, 2], k: [4, 4, 2, 3], pad: 'same' },
];

/** Returns the input and filter gradients of sum(conv2d(x, k) * weights) on `backend`. */
async function convGradients(
  backend: 'wasm' | 'cpu',
  c: ConvCase,
  seed: number,
): Promise<{ dx: Float32Array; dk: Float32Array }> {
  await useBackend(backend);
  return tf.tidy(() => {
    const x = tf.randomNormal(c.x, 0, 1, 'float32', seed);
    const k = tf.randomNormal(c.k, 0, 1, 'float32', seed + 1);
    const f = (a: tf.Tensor, b: tf.Tensor): tf.Scalar => {
      const y = tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, c.pad);
      const weights = tf.randomNormal(y.shape, 0, 1, 'float32', seed + 2);
      return tf.sum(tf.mul(y, weights));
    };
    const [dx, dk] = tf.grads(f)([x, k]);
    return { dx: dx.dataSync() as Float32Array, dk: dk.dataSync() as Float32Array };
  });
}

function assertClose(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    const tolerance = 1e-3 * Math.max(1, Math.abs(expected[i]));
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= tolerance,
      `${what}[${i}] = ${actual[i]}, cpu backend gives ${expected[i]}`,
    );
  }
}

for (const [index, c] of cases.entries()) {
  test(`conv gradients on wasm match cpu: ${c.name}`, async () => {
    const wasm = await convGradients('wasm', c, 10 * index + 1);
    const cpu = await convGradients('cpu', c, 10 * index + 1);
    assertClose(wasm.dk, cpu.dk, 'filter gradient');
    assertClose(wasm.dx, cpu.dx, 'input gradient');
  });
}

test('conv gradient kernels leak no tensor memory', async () => {
  await useBackend('wasm');
  const x = tf.randomNormal([2, 8, 8, 3]) as tf.Tensor4D;
  const k = tf.randomNormal([5, 5, 3, 4]) as tf.Tensor4D;
  const gradients = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same')),
  );
  const step = (): void => {
    tf.tidy(() => {
      gradients([x, k]);
    });
  };
  step();
  const before = tf.memory();
  for (let i = 0; i < 3; i++) step();
  const after = tf.memory();
  assert.equal(after.numTensors, before.numTensors);
  assert.equal(after.numBytes, before.numBytes);
  x.dispose();
  k.dispose();
});
