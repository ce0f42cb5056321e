import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/engine/backend.js';
import { UserError } from '../../src/errors.js';
import {
  fileSaveHandler,
  loadNamedTensors,
  saveNamedTensors,
  type WeightsManifestJson,
} from '../../src/io/weights_file.js';

await useBackend('cpu');

async function makeTempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'relpix-weights-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Returns tensors of every dtype that relpix stores, including a scalar and strings. */
function sampleTensors(): tf.NamedTensorMap {
  return {
    'conv1/kernel': tf.tensor4d([0.5, -1.25, 3, 4e-8, 1e6, -0], [1, 2, 3, 1]),
    'conv1/bias': tf.scalar(-2.5),
    'embedding/index': tf.tensor1d([0, -7, 2147483647], 'int32'),
    mask: tf.tensor2d([true, false, false, true], [2, 2], 'bool'),
    labels: tf.tensor1d(['grey', 'rgb ✓'], 'string'),
  };
}

async function assertSameTensors(actual: tf.NamedTensorMap, expected: tf.NamedTensorMap) {
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort());
  for (const [name, tensor] of Object.entries(expected)) {
    assert.equal(actual[name].dtype, tensor.dtype, `dtype of ${name}`);
    assert.deepEqual(actual[name].shape, tensor.shape, `shape of ${name}`);
    assert.deepEqual(await actual[name].array(), await tensor.array(), `values of ${name}`);
  }
}

test('saveNamedTensors round trip', async (t) => {
  const dir = await makeTempDir(t);
  const tensors = sampleTensors();
  const metadata = { levels: 4, layers: [3, 5], name: 'tiny' };
  await saveNamedTensors(dir, tensors, metadata);
  const loaded = await loadNamedTensors(dir);

  await assertSameTensors(loaded.tensors, tensors);
  assert.deepEqual(loaded.metadata, metadata);
  assert.deepEqual((await readdir(dir)).sort(), ['model.json', 'weights.bin']);
  assert.ok(
    Object.values(tensors).every((tensor) => !tensor.isDisposed),
    'inputs kept',
  );
  tf.dispose([tensors, loaded.tensors]);
});

test('manifest shape and tf.io.decodeWeights', async (t) => {
  const dir = await makeTempDir(t);
  const tensors = sampleTensors();
  await saveNamedTensors(dir, tensors, { levels: 2 });
  const manifestText = await readFile(join(dir, 'model.json'), 'utf8');
  const manifest = JSON.parse(manifestText) as WeightsManifestJson;

  assert.equal(manifest.format, 'relpix');
  assert.equal(manifest.generatedBy, 'relpix');
  assert.deepEqual(manifest.relpix, { levels: 2 });
  assert.equal(manifest.weightsManifest.length, 1);
  assert.deepEqual(manifest.weightsManifest[0].paths, ['weights.bin']);
  const names = manifest.weightsManifest[0].weights.map((spec) => spec.name);
  assert.deepEqual(names.sort(), Object.keys(tensors).sort());

  // What a browser does after fetching the two files.
  const bin = await readFile(join(dir, 'weights.bin'));
  const buffer = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
  const decoded = tf.io.decodeWeights(buffer as ArrayBuffer, manifest.weightsManifest[0].weights);
  await assertSameTensors(decoded, tensors);
  tf.dispose([tensors, decoded]);
});

test('custom file names and null metadata', async (t) => {
  const dir = await makeTempDir(t);
  const tensors = { 'adam/m': tf.ones([2, 2]) };
  const names = { manifestName: 'optimizer.json', binName: 'optimizer.bin' };
  await saveNamedTensors(dir, tensors, undefined, names);
  const manifest = JSON.parse(await readFile(join(dir, 'optimizer.json'), 'utf8'));
  assert.deepEqual(manifest.weightsManifest[0].paths, ['optimizer.bin']);
  assert.equal(manifest.relpix, null);

  const loaded = await loadNamedTensors(dir, { manifestName: 'optimizer.json' });
  await assertSameTensors(loaded.tensors, tensors);
  assert.equal(loaded.metadata, null);
  tf.dispose([tensors, loaded.tensors]);
});

test('empty tensor map round trip', async (t) => {
  const dir = await makeTempDir(t);
  await saveNamedTensors(dir, {}, { empty: true });
  const loaded = await loadNamedTensors(dir);
  assert.deepEqual(loaded.tensors, {});
  assert.deepEqual(loaded.metadata, { empty: true });
});

test('truncated bin rejected', async (t) => {
  const dir = await makeTempDir(t);
  const tensors = { kernel: tf.ones([4, 4]) };
  await saveNamedTensors(dir, tensors, null);
  const binPath = join(dir, 'weights.bin');
  await truncate(binPath, 40);
  const before = tf.memory().numTensors;

  await assert.rejects(loadNamedTensors(dir), (error: unknown) => {
    assert.ok(error instanceof UserError);
    assert.ok(error.message.includes(binPath), error.message);
    assert.match(error.message, /has 40 bytes but .*model\.json describes 64/);
    assert.match(error.message, /truncated/);
    return true;
  });
  assert.equal(tf.memory().numTensors, before, 'no tensors leaked');
  tf.dispose(tensors);
});

test('truncated string data rejected', async (t) => {
  const dir = await makeTempDir(t);
  const tensors = { labels: tf.tensor1d(['a', 'bcdefgh'], 'string') };
  await saveNamedTensors(dir, tensors, null);
  await truncate(join(dir, 'weights.bin'), 6);
  await assert.rejects(loadNamedTensors(dir), /has 6 bytes but .* describes at least 9/);
  tf.dispose(tensors);
});

test('oversized bin rejected', async (t) => {
  const dir = await makeTempDir(t);
  const tensors = { kernel: tf.ones([2]) };
  await saveNamedTensors(dir, tensors, null);
  await writeFile(join(dir, 'weights.bin'), new Uint8Array(12));
  await assert.rejects(loadNamedTensors(dir), /has 12 bytes but .* describes 8/);
  tf.dispose(tensors);
});

test('missing and invalid files rejected', async (t) => {
  const dir = await makeTempDir(t);
  await assert.rejects(loadNamedTensors(dir), (error: unknown) => {
    assert.ok(error instanceof UserError);
    assert.match(error.message, /model\.json not found/);
    return true;
  });

  const tensors = { kernel: tf.ones([2]) };
  await saveNamedTensors(dir, tensors, null);
  await rm(join(dir, 'weights.bin'));
  await assert.rejects(loadNamedTensors(dir), /weights\.bin not found\. Copy it into/);

  await writeFile(join(dir, 'model.json'), '{"weightsManifest": [');
  await assert.rejects(loadNamedTensors(dir), /model\.json is not valid JSON/);

  await writeFile(join(dir, 'model.json'), '{"format": "relpix"}');
  await assert.rejects(loadNamedTensors(dir), /no valid 'weightsManifest'/);

  const escaping = { weightsManifest: [{ paths: ['../weights.bin'], weights: [] }] };
  await writeFile(join(dir, 'model.json'), JSON.stringify(escaping));
  await assert.rejects(loadNamedTensors(dir), /outside its folder/);
  tf.dispose(tensors);
});

test('fileSaveHandler saves a layers model', async (t) => {
  const dir = await makeTempDir(t);
  const model = tf.sequential({
    layers: [tf.layers.dense({ units: 3, inputShape: [4], name: 'dense' })],
  });
  const result = await model.save(fileSaveHandler(dir));
  assert.equal(result.modelArtifactsInfo.modelTopologyType, 'JSON');

  const manifest = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
  assert.equal(manifest.modelTopology.class_name, 'Sequential');
  assert.deepEqual(manifest.weightsManifest[0].paths, ['weights.bin']);
  assert.deepEqual((await readdir(dir)).sort(), ['model.json', 'weights.bin']);

  const loaded = await loadNamedTensors(dir);
  const expected = Object.fromEntries(model.weights.map((w) => [w.originalName, w.read()]));
  await assertSameTensors(loaded.tensors, expected);
  tf.dispose(loaded.tensors);
  model.dispose();
});
