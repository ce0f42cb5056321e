import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SCALES, trainArguments } from '../../src/experiment/scales.js';
import { SUITES } from '../../src/experiment/suites.js';
import { parsePredictors, validatePredictors } from '../../src/model/predictors/config.js';

test('table 1 has the published rows', () => {
  const ids = SUITES.table1.rows.map((row) => row.id);
  assert.deepEqual(ids, [
    'u0',
    'u1',
    'u3',
    'c0',
    'c1',
    'c2',
    'c3',
    'c4',
    'c5',
    's0',
    's1',
    's2',
    's3',
    's4',
    's5',
  ]);
  const paper = Object.fromEntries(SUITES.table1.rows.map((row) => [row.id, row.paper]));
  assert.equal(paper.u1, 2.99);
  assert.equal(paper.c5, 0.97);
  assert.equal(paper.s0, 2.87);
});

test('table 3 covers rows 0 to 22', () => {
  const rows = SUITES.table3.rows;
  const colourise = rows.filter((row) => row.task === 'colourise').map((row) => row.row);
  assert.deepEqual(
    colourise,
    Array.from({ length: 23 }, (_, k) => k),
  );
  // Input-relative rows (12-19, 21, 22) do not apply to unconditional generation.
  const unconditional = rows.filter((row) => row.task === 'unconditional').map((row) => row.row);
  assert.deepEqual(unconditional, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 20]);
});

test('every row has valid predictors', () => {
  for (const suite of Object.values(SUITES)) {
    const ids = new Set<string>();
    for (const row of suite.rows) {
      assert.ok(!ids.has(row.id), `${suite.name} repeats row ${row.id}`);
      ids.add(row.id);
      const predictors = parsePredictors(row.predictors, row.mask ?? false, row.prune ?? 100);
      assert.doesNotThrow(
        () => validatePredictors(predictors, 256, { needKept: false }),
        `${suite.name} ${row.id}`,
      );
      const usesInput = predictors.some((p) => p.kind === 'input');
      assert.ok(!usesInput || row.task !== 'unconditional', `${suite.name} ${row.id}`);
    }
  }
});

test('train arguments carry row and scale', () => {
  const row = SUITES.table1.rows.find((candidate) => candidate.id === 'c3');
  assert.ok(row !== undefined);
  const args = trainArguments(SCALES.paper, row, 2);
  const value = (flag: string) => args[args.indexOf(flag) + 1];
  assert.equal(value('--task'), 'colourise');
  assert.equal(value('--predictors'), 'absolute,output:left+top');
  assert.equal(value('--prune'), '20');
  assert.equal(value('--hidden'), '128', 'image-to-image rows use H1=128 at paper scale');
  assert.equal(value('--skip'), '512');
  assert.equal(value('--seed'), '2');
  assert.ok(args.includes('--no-test'));
  assert.ok(!args.includes('--mask'));

  const wide = SUITES['model-size'].rows.find((candidate) => candidate.id === 'rel-x2');
  assert.ok(wide !== undefined);
  const wideArgs = trainArguments(SCALES.small, wide, 1);
  assert.equal(wideArgs[wideArgs.indexOf('--hidden') + 1], '64');
  assert.equal(wideArgs[wideArgs.indexOf('--skip') + 1], '256');
});
