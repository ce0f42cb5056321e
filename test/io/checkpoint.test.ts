import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import * as fsPromises from 'node:fs/promises';
import { mkdir, mkdtemp, readFile, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/engine/backend.js';
import { UserError } from '../../src/errors.js';
import type { WriteFileSystem } from '../../src/io/atomic_write.js';
import {
  latestCheckpoint,
  loadCheckpoint,
  saveCheckpoint,
  type Checkpoint,
} from '../../src/io/checkpoint.js';
import { loadNamedTensors } from '../../src/io/weights_file.js';

await useBackend('cpu');

async function makeRunDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'relpix-run-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Returns a checkpoint whose tensor values and state encode `step`. */
function makeCheckpoint(step: number): Checkpoint {
  return {
    weights: {
      'conv/kernel': tf.fill([2, 2, 1, 3], step),
      'conv/bias': tf.tensor1d([step, -step, 0.5]),
    },
    optimizer: {
      'conv/kernel/m': tf.fill([2, 2, 1, 3], step / 10),
      iterations: tf.scalar(step, 'int32'),
    },
    state: { step, config: { levels: 4, channels: 1 }, history: [1.5, 1.25] },
  };
}

/** Saves checkpoints of `steps` in order and disposes their tensors. */
async function saveSteps(runDir: string, steps: number[], keep?: number): Promise<void> {
  for (const step of steps) {
    const checkpoint = makeCheckpoint(step);
    await saveCheckpoint(runDir, step, checkpoint, { keep });
    tf.dispose([checkpoint.weights, checkpoint.optimizer]);
  }
}

async function listCheckpointsFolder(runDir: string): Promise<string[]> {
  return (await readdir(join(runDir, 'checkpoints'))).sort();
}

/** Returns the node:fs/promises file system, but writes to paths that match fail with `code`. */
function failingFileSystem(failsOn: RegExp, code = 'ENOSPC'): WriteFileSystem {
  return {
    mkdir: (path, options) => fsPromises.mkdir(path, options),
    rename: (oldPath, newPath) => fsPromises.rename(oldPath, newPath),
    rm: (path, options) => fsPromises.rm(path, options),
    open: async (path, flags) => {
      const handle = await fsPromises.open(path, flags);
      if (!failsOn.test(path)) {
        return handle;
      }
      return {
        writeFile: async () => {
          const message = `${code}: no space left on device, write`;
          throw Object.assign(new Error(message), { code });
        },
        sync: () => handle.sync(),
        close: () => handle.close(),
      };
    },
  };
}

test('checkpoint save and load round trip', async (t) => {
  const runDir = await makeRunDir(t);
  const checkpoint = makeCheckpoint(1200);
  const folder = await saveCheckpoint(runDir, 1200, checkpoint);

  assert.equal(folder, join(runDir, 'checkpoints', 'step-00001200'));
  const files = (await readdir(folder)).sort();
  const expectedFiles = ['model.json', 'optimizer.bin', 'optimizer.json', 'state.json'];
  assert.deepEqual(files, [...expectedFiles, 'weights.bin'].sort());
  assert.ok(!checkpoint.weights['conv/kernel'].isDisposed, 'save keeps the weights');
  assert.ok(!checkpoint.optimizer.iterations.isDisposed, 'save keeps the optimizer slots');

  const loaded = await loadCheckpoint(runDir);
  assert.equal(loaded.path, folder);
  assert.deepEqual(loaded.state, checkpoint.state);
  for (const group of ['weights', 'optimizer'] as const) {
    for (const [name, tensor] of Object.entries(checkpoint[group])) {
      assert.equal(loaded[group][name].dtype, tensor.dtype, `${group} ${name} dtype`);
      assert.deepEqual(await loaded[group][name].array(), await tensor.array(), `${group} ${name}`);
    }
  }

  // The folder alone is a saved model whose metadata is the configuration.
  const model = await loadNamedTensors(folder);
  assert.deepEqual(model.metadata, { levels: 4, channels: 1 });
  assert.deepEqual(Object.keys(model.tensors).sort(), ['conv/bias', 'conv/kernel']);
  tf.dispose([checkpoint.weights, checkpoint.optimizer, loaded.weights, loaded.optimizer]);
  tf.dispose(model.tensors);
});

test('latest.json names newest checkpoint', async (t) => {
  const runDir = await makeRunDir(t);
  await saveSteps(runDir, [100, 200]);
  const latestPath = join(runDir, 'checkpoints', 'latest.json');
  assert.deepEqual(JSON.parse(await readFile(latestPath, 'utf8')), { path: 'step-00000200' });
  assert.equal(latestCheckpoint(runDir), join(runDir, 'checkpoints', 'step-00000200'));

  const loaded = await loadCheckpoint(runDir);
  assert.equal(loaded.state.step, 200);
  tf.dispose([loaded.weights, loaded.optimizer]);
});

test('keep prunes older checkpoints', async (t) => {
  const runDir = await makeRunDir(t);
  await saveSteps(runDir, [100, 200, 300]);
  assert.deepEqual(await listCheckpointsFolder(runDir), [
    'latest.json',
    'step-00000200',
    'step-00000300',
  ]);
  await saveSteps(runDir, [400], 1);
  assert.deepEqual(await listCheckpointsFolder(runDir), ['latest.json', 'step-00000400']);
  await saveSteps(runDir, [500, 600], 3);
  assert.deepEqual(await listCheckpointsFolder(runDir), [
    'latest.json',
    'step-00000400',
    'step-00000500',
    'step-00000600',
  ]);
});

test('saving a step again replaces it', async (t) => {
  const runDir = await makeRunDir(t);
  await saveSteps(runDir, [100]);
  const checkpoint = makeCheckpoint(100);
  checkpoint.state.history = [9];
  await saveCheckpoint(runDir, 100, checkpoint);
  tf.dispose([checkpoint.weights, checkpoint.optimizer]);

  assert.deepEqual(await listCheckpointsFolder(runDir), ['latest.json', 'step-00000100']);
  const loaded = await loadCheckpoint(runDir);
  assert.deepEqual(loaded.state.history, [9]);
  tf.dispose([loaded.weights, loaded.optimizer]);
});

test('ENOSPC keeps previous checkpoint', async (t) => {
  const runDir = await makeRunDir(t);
  await saveSteps(runDir, [100]);
  const latestPath = join(runDir, 'checkpoints', 'latest.json');
  const latestBefore = await readFile(latestPath, 'utf8');
  const previous = join(runDir, 'checkpoints', 'step-00000100');

  for (const failsOn of [/optimizer\.bin/, /state\.json/, /latest\.json/]) {
    const checkpoint = makeCheckpoint(200);
    const options = { fs: failingFileSystem(failsOn) };
    await assert.rejects(saveCheckpoint(runDir, 200, checkpoint, options), (error: unknown) => {
      assert.ok(error instanceof UserError, `UserError when ${failsOn} fails`);
      assert.match(error.message, /saving checkpoint step 200 to .*step-00000200 failed/);
      assert.match(error.message, /\(ENOSPC: no space left on device/);
      assert.ok(error.message.includes(`previous checkpoint ${previous} is intact`));
      assert.match(error.message, /free disk space and resume with --resume/);
      assert.ok(!error.message.includes('\n'), 'one line');
      return true;
    });
    tf.dispose([checkpoint.weights, checkpoint.optimizer]);

    assert.equal(await readFile(latestPath, 'utf8'), latestBefore, `latest.json when ${failsOn}`);
    assert.deepEqual(await listCheckpointsFolder(runDir), ['latest.json', 'step-00000100']);
    assert.equal(latestCheckpoint(runDir), previous);
    const loaded = await loadCheckpoint(runDir);
    assert.equal(loaded.state.step, 100);
    assert.deepEqual(await loaded.weights['conv/kernel'].data(), new Float32Array(12).fill(100));
    tf.dispose([loaded.weights, loaded.optimizer]);
  }
});

test('ENOSPC on first save leaves nothing', async (t) => {
  const runDir = await makeRunDir(t);
  const checkpoint = makeCheckpoint(100);
  const options = { fs: failingFileSystem(/weights\.bin/) };
  await assert.rejects(
    saveCheckpoint(runDir, 100, checkpoint, options),
    /failed \(ENOSPC.*\)\. No earlier checkpoint exists, so free disk space/,
  );
  tf.dispose([checkpoint.weights, checkpoint.optimizer]);
  assert.deepEqual(await listCheckpointsFolder(runDir), []);
  assert.equal(latestCheckpoint(runDir), undefined);
});

test('leftover tmp folder is ignored', async (t) => {
  const runDir = await makeRunDir(t);
  await saveSteps(runDir, [100, 200]);
  const checkpointsDir = join(runDir, 'checkpoints');
  const leftover = join(checkpointsDir, 'step-00000300.tmp-99999-deadbeef');
  await mkdir(leftover);
  await writeFile(join(leftover, 'weights.bin'), new Uint8Array(3));
  await writeFile(join(leftover, 'state.json'), '{"step": 3');

  const expected = join(checkpointsDir, 'step-00000200');
  assert.equal(latestCheckpoint(runDir), expected);
  await rm(join(checkpointsDir, 'latest.json'));
  assert.equal(latestCheckpoint(runDir), expected, 'without latest.json');
  const loaded = await loadCheckpoint(runDir);
  assert.equal(loaded.path, expected);
  tf.dispose([loaded.weights, loaded.optimizer]);

  // A later save deletes leftovers of earlier steps.
  await saveSteps(runDir, [400]);
  assert.deepEqual(await listCheckpointsFolder(runDir), [
    'latest.json',
    'step-00000200',
    'step-00000400',
  ]);
});

test('loadCheckpoint of a checkpoint folder', async (t) => {
  const runDir = await makeRunDir(t);
  await saveSteps(runDir, [100, 200]);
  const older = join(runDir, 'checkpoints', 'step-00000100');
  const loaded = await loadCheckpoint(older);
  assert.equal(loaded.path, older);
  assert.equal(loaded.state.step, 100);
  tf.dispose([loaded.weights, loaded.optimizer]);

  const viaCheckpointsFolder = await loadCheckpoint(join(runDir, 'checkpoints'));
  assert.equal(viaCheckpointsFolder.state.step, 200);
  tf.dispose([viaCheckpointsFolder.weights, viaCheckpointsFolder.optimizer]);
});

test('damaged checkpoint rejected with fix', async (t) => {
  const runDir = await makeRunDir(t);
  await saveSteps(runDir, [100]);
  const folder = join(runDir, 'checkpoints', 'step-00000100');
  const before = tf.memory().numTensors;

  await truncate(join(folder, 'optimizer.bin'), 10);
  await assert.rejects(loadCheckpoint(runDir), (error: unknown) => {
    assert.ok(error instanceof UserError);
    assert.ok(error.message.includes(join(folder, 'optimizer.bin')), error.message);
    assert.match(error.message, /truncated/);
    assert.match(error.message, /To use an older checkpoint instead, move .* out of /);
    return true;
  });
  assert.equal(tf.memory().numTensors, before, 'weights disposed after the failure');

  await writeFile(join(folder, 'state.json'), '{"step": ');
  await assert.rejects(loadCheckpoint(folder), /state\.json is not valid JSON/);
  await rm(join(folder, 'state.json'));
  await assert.rejects(loadCheckpoint(folder), /state\.json not found/);
});

test('missing checkpoint rejected with fix', async (t) => {
  const runDir = await makeRunDir(t);
  await assert.rejects(loadCheckpoint(runDir), (error: unknown) => {
    assert.ok(error instanceof UserError);
    assert.ok(error.message.includes(`${runDir} contains no complete checkpoint`));
    assert.match(error.message, /start a new run without --resume/);
    return true;
  });
  const missing = join(runDir, 'no-such-run');
  await assert.rejects(loadCheckpoint(missing), /no-such-run not found\. Pass a run folder/);
});

test('saveCheckpoint rejects invalid step and keep', async (t) => {
  const runDir = await makeRunDir(t);
  const checkpoint = makeCheckpoint(1);
  await assert.rejects(saveCheckpoint(runDir, -1, checkpoint), RangeError);
  await assert.rejects(saveCheckpoint(runDir, 1.5, checkpoint), RangeError);
  await assert.rejects(saveCheckpoint(runDir, 1, checkpoint, { keep: 0 }), /keep/);
  tf.dispose([checkpoint.weights, checkpoint.optimizer]);
});
