import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/engine/backend.js';
import type { ModelConfig } from '../../src/model/config.js';
import { IncrementalBackbone } from '../../src/model/incremental.js';
import { PixelModel } from '../../src/model/model.js';
import type { PredictorConfig } from '../../src/model/predictors/config.js';
import { sampleImages } from '../../src/sample/sampler.js';

const backbone = { depth: 3, hidden: 8, skip: 16 };

test('incremental states equal whole-image states', async () => {
  await useBackend('wasm');
  const config: ModelConfig = {
    height: 7,
    width: 6,
    channels: 3,
    levels: 256,
    ...backbone,
    predictors: [{ kind: 'absolute' }],
  };
  const model = PixelModel.create(config, 3);
  const images = Int32Array.from({ length: 2 * 7 * 6 * 3 }, (_, k) => (k * 37 + 11) % 256);
  const whole = tf.tidy(() => {
    const x = tf.tensor4d(images, [2, 7, 6, 3], 'int32');
    return tf.reshape(model.pixelStates(x), [2, 42, 16]).arraySync() as number[][][];
  });
  const incremental = new IncrementalBackbone(model, 2);
  for (let position = 0; position < 42; position++) {
    const h = incremental.pixelState(images, Math.floor(position / 6), position % 6);
    const values = h.arraySync();
    h.dispose();
    for (let b = 0; b < 2; b++) {
      assert.deepEqual(values[b], whole[b][position], `image ${b} position ${position}`);
    }
  }
  incremental.dispose();
  model.dispose();
});

const mixtures: Array<[string, PredictorConfig[]]> = [
  ['absolute', [{ kind: 'absolute' }]],
  [
    'absolute + output:3x3',
    [{ kind: 'absolute' }, { kind: 'output', neighbours: '3x3', mask: true, prune: 100 }],
  ],
  [
    'output:left+top unmasked + output:5x5',
    [
      { kind: 'output', neighbours: 'left+top', mask: false, prune: 100 },
      { kind: 'output', neighbours: '5x5', mask: true, prune: 100 },
    ],
  ],
];

for (const [name, predictors] of mixtures) {
  test(`incremental sampler draws naive images: ${name}`, async () => {
    await useBackend('wasm');
    const config: ModelConfig = {
      height: 6,
      width: 5,
      channels: 3,
      levels: 16,
      ...backbone,
      predictors,
    };
    const model = PixelModel.create(config, 4);
    const before = tf.memory().numTensors;
    const naive = sampleImages(model, 3, 9, undefined, 'naive');
    const incremental = sampleImages(model, 3, 9, undefined, 'incremental');
    assert.deepEqual(Array.from(incremental.images), Array.from(naive.images));
    assert.deepEqual(Array.from(incremental.latent.predictor), Array.from(naive.latent.predictor));
    assert.deepEqual(Array.from(incremental.latent.source), Array.from(naive.latent.source));
    assert.equal(tf.memory().numTensors, before);
    model.dispose();
  });
}
