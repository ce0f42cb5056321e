import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_MODEL_CONFIG, validateModelConfig } from '../../src/model/config.js';

test('colourisation needs colour images', () => {
  const config = { ...DEFAULT_MODEL_CONFIG, task: 'colourise' as const };
  assert.doesNotThrow(() => validateModelConfig(config));
  assert.throws(
    () => validateModelConfig({ ...config, channels: 1 }),
    /colourisation needs colour images, but these have 1 channel/,
  );
});

test('super-resolution needs sides divisible by 4', () => {
  const config = { ...DEFAULT_MODEL_CONFIG, task: 'superres' as const };
  assert.doesNotThrow(() => validateModelConfig({ ...config, height: 8, width: 12 }));
  assert.throws(
    () => validateModelConfig({ ...config, height: 8, width: 10 }),
    /super-resolution cannot use 10x8 images/,
  );
});
