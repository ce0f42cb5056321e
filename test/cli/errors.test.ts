import { before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import {
  cpSync,
  mkdirSync,
  openSync,
  readSync,
  closeSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import {
  assertOneLineError,
  DATA_ROOT,
  makeTempDir,
  runCli,
  snapshotFiles,
  tinyTrainArgs,
} from './run_cli.js';

const temporary = makeTempDir('relpix-cli-errors-');
/** A finished 2-step run, for the cases that resume or evaluate a checkpoint. */
const trainedRun = join(temporary, 'trained');

before(() => {
  const result = runCli(tinyTrainArgs(trainedRun));
  assert.equal(result.status, 0, result.stderr);
});

/** Writes `text` to a new file in the temporary folder and returns its path. */
function writeTemporary(name: string, text: string): string {
  const path = join(temporary, name);
  writeFileSync(path, text);
  return path;
}

/**
 * Builds a data root whose data_batch_1.bin is cut after 1,000,000 bytes. The other files are
 * links to the real ones, so only the cut file is copied.
 */
function truncatedDataRoot(): string {
  const source = join(DATA_ROOT, 'cifar10', 'cifar-10-batches-bin');
  const folder = join(temporary, 'truncated', 'cifar10', 'cifar-10-batches-bin');
  mkdirSync(folder, { recursive: true });
  for (const name of [
    'data_batch_2',
    'data_batch_3',
    'data_batch_4',
    'data_batch_5',
    'test_batch',
  ]) {
    symlinkSync(join(source, `${name}.bin`), join(folder, `${name}.bin`));
  }
  const head = Buffer.alloc(1_000_000);
  const descriptor = openSync(join(source, 'data_batch_1.bin'), 'r');
  readSync(descriptor, head, 0, head.length, 0);
  closeSync(descriptor);
  writeFileSync(join(folder, 'data_batch_1.bin'), head);
  return join(temporary, 'truncated');
}

/** Copies the trained run and replaces its checkpoint's state.json with `text`. */
function runWithState(name: string, text: string): string {
  const copy = join(temporary, name);
  cpSync(trainedRun, copy, { recursive: true });
  writeFileSync(join(copy, 'checkpoints', 'step-00000002', 'state.json'), text);
  return copy;
}

function hasNativeBackend(): boolean {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}

interface BadInput {
  name: string;
  args: () => string[];
  /** What the message must name: the problem, then the fix. */
  problem: RegExp;
  fix: RegExp;
  skip?: () => string | false;
}

const fresh = (name: string, ...extra: string[]) => tinyTrainArgs(join(temporary, name), ...extra);

const CASES: BadInput[] = [
  {
    name: 'unknown flag is rejected',
    args: () => fresh('bogus', '--bogus'),
    problem: /unknown option '--bogus'/,
    fix: /Run 'relpix train --help'/,
  },
  {
    name: 'misspelt flag suggests the flag',
    args: () => ['train', '--step', '3'],
    problem: /unknown option '--step'/,
    fix: /Did you mean --steps\?/,
  },
  {
    name: 'unknown command is rejected',
    args: () => ['bogus'],
    problem: /unknown command 'bogus'/,
    fix: /Run 'relpix --help'/,
  },
  {
    name: 'batch size 0 is rejected',
    args: () => fresh('batch', '--batch-size', '0'),
    problem: /batch-size is 0/,
    fix: /expected an integer from 1 to 4096/,
  },
  {
    name: 'levels 3 is rejected',
    args: () => fresh('levels', '--levels', '3'),
    problem: /levels 3 is invalid/,
    fix: /pass 2, 4, 8, 16, 32, 64, 128 or 256/,
  },
  {
    name: 'size 5 is rejected',
    args: () => fresh('size', '--size', '5'),
    problem: /size 5 is invalid because the cifar10 images are 32x32/,
    fix: /pass a size that divides 32/,
  },
  {
    name: 'non-numeric steps are rejected',
    args: () => fresh('steps', '--steps', 'abc'),
    problem: /'--steps <n>' argument 'abc' is invalid/,
    fix: /Run 'relpix train --help'/,
  },
  {
    name: 'negative micro-batch is rejected',
    args: () => fresh('micro', '--micro-batch', '-1'),
    problem: /micro-batch is -1/,
    fix: /expected an integer of 0 \(one pass\) or more/,
  },
  {
    name: 'negative train limit is rejected',
    args: () => fresh('limit', '--train-limit', '-1'),
    problem: /train-limit is -1/,
    fix: /expected an integer from 0/,
  },
  {
    name: 'missing data folder is reported',
    args: () => fresh('data', '--data', '/nonexistent'),
    problem: /--data folder \/nonexistent not found/,
    fix: /pass a folder that exists/,
  },
  {
    name: 'truncated CIFAR-10 file is reported',
    args: () => fresh('truncated', '--data', truncatedDataRoot()),
    problem: /data_batch_1\.bin is 1,000,000 bytes, expected a multiple of 3,073/,
    fix: /download it again with 'relpix download cifar10'/,
  },
  {
    name: 'eval of missing checkpoint',
    args: () => ['eval', join(temporary, 'missing'), '--data', DATA_ROOT],
    problem: /checkpoint or run folder .*missing not found/,
    fix: /Pass a run folder or a checkpoint folder/,
  },
  {
    name: 'eval batch size 0 is rejected',
    args: () => ['eval', trainedRun, '--batch-size', '0', '--data', DATA_ROOT],
    problem: /'--batch-size <n>' argument '0' is invalid/,
    fix: /Run 'relpix eval --help'/,
  },
  {
    name: 'sample count 0 is rejected',
    args: () => ['sample', trainedRun, '--count', '0', '--out', join(temporary, 'none.png')],
    problem: /'--count <n>' argument '0' is invalid/,
    fix: /Run 'relpix sample --help'/,
  },
  {
    name: 'negative sample count is rejected',
    args: () => fresh('samples', '--samples', '-1'),
    problem: /'--samples <n>' argument '-1' is invalid/,
    fix: /Run 'relpix train --help'/,
  },
  {
    name: 'resume without checkpoint fails',
    args: () => fresh('empty', '--resume'),
    problem: /--resume found no checkpoint in .*empty/,
    fix: /start without --resume/,
  },
  {
    name: 'resume with changed hidden fails',
    args: () => tinyTrainArgs(trainedRun, '--resume', '--steps', '4', '--hidden', '16'),
    problem: /different model \(hidden: 8 vs 16\)/,
    fix: /resume with the same model options, or choose a new --out folder/,
  },
  {
    name: 'resume with invalid state.json fails',
    args: () => tinyTrainArgs(runWithState('bad-state', '{'), '--resume', '--steps', '4'),
    problem: /state\.json is unreadable or not valid JSON/,
    fix: /Delete .*step-00000002 to resume from an older checkpoint/,
  },
  {
    name: 'resume without saved configuration fails',
    args: () => tinyTrainArgs(runWithState('no-config', '{"step": 2}'), '--resume', '--steps', '4'),
    problem: /state\.json has no run configuration/,
    fix: /Resume only from checkpoints written by relpix train/,
  },
  {
    name: 'missing native backend is reported',
    args: () => fresh('native', '--backend', 'tensorflow'),
    problem: /--backend tensorflow needs @tensorflow\/tfjs-node/,
    fix: /npm install @tensorflow\/tfjs-node' or use --backend wasm/,
    skip: () => hasNativeBackend() && '@tensorflow/tfjs-node is installed',
  },
  {
    name: 'unknown config key is rejected',
    args: () => fresh('key', '--config', writeTemporary('key.json', '{"train": {"bogus": 1}}')),
    problem: /config key 'train\.bogus' is unknown/,
    fix: /expected one of batchSize, steps/,
  },
  {
    name: 'unknown config section is rejected',
    args: () => fresh('section', '--config', writeTemporary('section.json', '{"optimiser": {}}')),
    problem: /config section 'optimiser' in .*section\.json is unknown/,
    fix: /expected one of model, data, train/,
  },
  {
    name: 'invalid config JSON is rejected',
    args: () => fresh('json', '--config', writeTemporary('invalid.json', '{"train": ')),
    problem: /--config .*invalid\.json is not valid JSON/,
    fix: /fix the file/,
  },
  {
    name: 'config that is no object',
    args: () => fresh('array', '--config', writeTemporary('array.json', '[1, 2]')),
    problem: /--config .*array\.json must contain a JSON object/,
    fix: /such as \{"train": \{"steps": 100\}\}/,
  },
  {
    name: 'missing config file is reported',
    args: () => fresh('nofile', '--config', join(temporary, 'absent.json')),
    problem: /cannot read --config .*absent\.json/,
    fix: /Pass the path of a JSON file/,
  },
  {
    name: 'out path that is a file',
    args: () => tinyTrainArgs(writeTemporary('plain-file', 'text')),
    problem: /cannot write --out .*plain-file because .*plain-file is a file/,
    fix: /pass another --out folder/,
  },
  {
    name: 'new run in a run folder',
    args: () => tinyTrainArgs(trainedRun),
    problem: /trained already contains a run \(latest checkpoint .*step-00000002\)/,
    fix: /continue it with --resume, or choose a new --out folder/,
  },
  {
    name: 'eval of a file',
    args: () => ['eval', join(trainedRun, 'config.json'), '--data', DATA_ROOT],
    problem: /config\.json is a file/,
    fix: /pass a run folder or a checkpoint folder/,
  },
  {
    name: 'deltas prune 0 is rejected',
    args: () => ['deltas', '--data', DATA_ROOT, '--size', '8', '--prune', '0'],
    problem: /prune is 0/,
    fix: /expected a percentage above 0 and at most 100/,
  },
  {
    name: 'config predictors of wrong type',
    args: () =>
      fresh(
        'predictors',
        '--config',
        writeTemporary('predictors.json', '{"model": {"predictors": "absolute"}}'),
      ),
    problem: /config key 'model\.predictors' in .*predictors\.json is invalid/,
    fix: /expected a list such as \[\{"kind": "absolute"\}/,
  },
];

for (const input of CASES) {
  test(input.name, (t: TestContext) => {
    const reason = input.skip?.();
    if (reason) {
      t.skip(reason);
      return;
    }
    // A hang (such as an endless loop on a batch size of 0) fails the test after 30 s.
    const line = assertOneLineError(runCli(input.args(), 30_000));
    assert.match(line, /^relpix: /);
    assert.match(line, input.problem);
    assert.match(line, input.fix);
  });
}

test('rejected resume changes no file', () => {
  const run = join(temporary, 'rejected-resume');
  cpSync(trainedRun, run, { recursive: true });
  const before = snapshotFiles(run);
  assertOneLineError(runCli(tinyTrainArgs(run, '--resume', '--steps', '4', '--hidden', '16')));
  const after = snapshotFiles(run);
  assert.deepEqual([...after.keys()], [...before.keys()]);
  for (const [path, bytes] of before) {
    assert.ok(bytes.equals(after.get(path) as Buffer), `${path} changed`);
  }
});

test('rejected new run changes no file', () => {
  const run = join(temporary, 'rejected-new-run');
  cpSync(trainedRun, run, { recursive: true });
  const before = snapshotFiles(run);
  assertOneLineError(runCli(tinyTrainArgs(run, '--steps', '4')));
  const after = snapshotFiles(run);
  assert.deepEqual([...after.keys()], [...before.keys()]);
  for (const [path, bytes] of before) {
    assert.ok(bytes.equals(after.get(path) as Buffer), `${path} changed`);
  }
});
