import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/engine/backend.js';
import { Adam, DEFAULT_ADAM } from '../../src/train/adam.js';

await useBackend('wasm');

/** The quadratic f(w) = a/2 (w - c)^2, whose gradient is a (w - c). */
const A = 2;
const C = 3;
const START = 1;
const RATES = [0.1, 0.05];

/** Adam as Kingma and Ba (2015), Algorithm 1, states it, in float64. */
function referenceAdam(): { w: number; m: number; v: number }[] {
  const { beta1, beta2, epsilon } = DEFAULT_ADAM;
  let w = START;
  let m = 0;
  let v = 0;
  const steps = [];
  for (let t = 1; t <= RATES.length; t++) {
    const g = A * (w - C);
    m = beta1 * m + (1 - beta1) * g;
    v = beta2 * v + (1 - beta2) * g * g;
    const mHat = m / (1 - beta1 ** t);
    const vHat = v / (1 - beta2 ** t);
    w -= (RATES[t - 1] * mHat) / (Math.sqrt(vHat) + epsilon);
    steps.push({ w, m, v });
  }
  return steps;
}

test('Adam matches the reference update', () => {
  const expected = referenceAdam();
  // A step of about 0.1 from w = 1 towards c = 3, then a smaller one.
  assert.ok(Math.abs(expected[0].w - 1.1) < 1e-6, `reference step 1 is ${expected[0].w}`);

  const w = tf.variable(tf.tensor1d([START]), true, 'adam_test_w');
  const adam = new Adam(new Map([['w', w]]));
  for (let t = 0; t < RATES.length; t++) {
    const current = w.dataSync()[0];
    const gradient = tf.tensor1d([A * (current - C)]);
    adam.apply(new Map([['w', gradient]]), RATES[t]);
    gradient.dispose();

    const state = adam.namedState();
    const label = `after step ${t + 1}`;
    // Float32 storage limits agreement to about 1e-7 relative.
    assert.ok(Math.abs(w.dataSync()[0] - expected[t].w) < 1e-6, `w ${label}`);
    assert.ok(Math.abs(state['w/m'].dataSync()[0] - expected[t].m) < 1e-6, `m ${label}`);
    assert.ok(Math.abs(state['w/v'].dataSync()[0] - expected[t].v) < 1e-7, `v ${label}`);
    assert.equal(adam.step, t + 1, `step count ${label}`);
  }
  adam.dispose();
  w.dispose();
});

test('Adam skips parameters without gradient', () => {
  const w = tf.variable(tf.tensor1d([START]), true, 'adam_test_unused');
  const adam = new Adam(new Map([['w', w]]));
  adam.apply(new Map(), 0.1);
  assert.equal(w.dataSync()[0], START);
  assert.equal(adam.step, 1);
  adam.dispose();
  w.dispose();
});
