import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { UserError } from '../../src/errors.js';
import {
  defaultCacheRoot,
  findCifar10Dir,
  findMnistDir,
  resolveDataDir,
} from '../../src/data/location.js';
import { TEST_DATA_ROOT } from '../data_root.js';

const DATA_ROOT = TEST_DATA_ROOT;
const CIFAR_DIR = path.join(DATA_ROOT, 'cifar10', 'cifar-10-batches-bin');
const temporary = fs.mkdtempSync(path.join(os.tmpdir(), 'relpix-location-'));
after(() => fs.rmSync(temporary, { recursive: true, force: true }));

test('resolveDataDir order', () => {
  const env = { RELPIX_DATA: DATA_ROOT, XDG_CACHE_HOME: temporary };
  assert.equal(resolveDataDir(temporary, env), temporary);
  assert.equal(resolveDataDir(undefined, env), DATA_ROOT);
  const cache = path.join(temporary, 'relpix');
  assert.equal(resolveDataDir(undefined, { XDG_CACHE_HOME: temporary }), cache);
});

test('resolveDataDir missing folder', () => {
  const missing = path.join(temporary, 'absent');
  assert.throws(
    () => resolveDataDir(missing, {}),
    (error: Error) => {
      assert.ok(error instanceof UserError);
      assert.match(error.message, /--data folder .*absent not found/);
      return true;
    },
  );
  assert.throws(() => resolveDataDir(undefined, { RELPIX_DATA: missing }), /RELPIX_DATA folder/);
});

test('defaultCacheRoot without XDG_CACHE_HOME', () => {
  assert.equal(defaultCacheRoot({}), path.join(os.homedir(), '.cache', 'relpix'));
  // The XDG spec says to ignore a relative XDG_CACHE_HOME.
  assert.equal(defaultCacheRoot({ XDG_CACHE_HOME: 'relative' }), defaultCacheRoot({}));
});

test('findCifar10Dir accepts three levels', () => {
  assert.equal(findCifar10Dir(DATA_ROOT), CIFAR_DIR);
  assert.equal(findCifar10Dir(path.join(DATA_ROOT, 'cifar10')), CIFAR_DIR);
  assert.equal(findCifar10Dir(CIFAR_DIR), CIFAR_DIR);
});

test('findCifar10Dir error names paths', () => {
  assert.throws(
    () => findCifar10Dir(temporary),
    (error: Error) => {
      assert.ok(error instanceof UserError);
      assert.ok(error.message.includes(path.join(temporary, 'cifar10', 'cifar-10-batches-bin')));
      assert.match(error.message, /relpix download cifar10/);
      assert.match(error.message, /--data DIR/);
      return true;
    },
  );
});

test('findMnistDir accepts root or folder', () => {
  const mnist = path.join(DATA_ROOT, 'mnist');
  assert.equal(findMnistDir(DATA_ROOT), mnist);
  assert.equal(findMnistDir(mnist), mnist);
  assert.throws(() => findMnistDir(temporary), /MNIST not found, tried /);
});
