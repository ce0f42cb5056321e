import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ExperimentResult } from '../../src/experiment/results.js';
import { SCALES } from '../../src/experiment/scales.js';
import { toHtml, toMarkdown } from '../../src/report/document.js';
import { buildReport } from '../../src/report/report.js';
import { difference, sharesByKind, summariseRows } from '../../src/report/summary.js';
import { renderSvg } from '../../src/stats/plot.js';

function result(
  id: string,
  seed: number,
  bitsPerDim: number,
  extra: Partial<ExperimentResult> = {},
): ExperimentResult {
  const task = id.startsWith('c') ? 'colourise' : id.startsWith('s') ? 'superres' : 'unconditional';
  return {
    suite: 'table1',
    id,
    row: Number(id.slice(1)),
    label: id,
    task,
    predictors: 'absolute',
    scale: 'small',
    seed,
    steps: 400,
    split: 'test',
    bitsPerDim,
    standardError: 0.01,
    images: 1000,
    trainSeconds: 60,
    evalSeconds: 10,
    command: 'relpix train',
    runDir: '/nonexistent',
    finishedAt: '2026-01-01T00:00:00.000Z',
    ...extra,
  };
}

/** Builds the small-scale report of `results`, with its figures in results/. */
function smallReport(results: ExperimentResult[]) {
  return buildReport({
    results,
    scale: SCALES.small,
    resultsPath: 'results/small.jsonl',
    figureFolder: 'results',
    renderSvg,
  });
}

test('row summary uses seed spread', () => {
  const [summary] = summariseRows(
    [result('u0', 2, 5.2), result('u0', 1, 5.0), result('u0', 3, 5.1)],
    'table1',
    ['u0'],
  );
  assert.deepEqual(
    summary.seeds.map((r) => r.seed),
    [1, 2, 3],
  );
  assert.ok(Math.abs(summary.mean - 5.1) < 1e-12);
  // Standard deviation 0.1 over three seeds.
  assert.ok(Math.abs(summary.standardError - 0.1 / Math.sqrt(3)) < 1e-12);
});

test('row summary with one seed uses image error', () => {
  const [summary] = summariseRows([result('u0', 1, 5.0, { standardError: 0.02 })], 'table1', [
    'u0',
  ]);
  assert.equal(summary.standardError, 0.02);
});

test('difference pairs rows by seed', () => {
  const results = [
    result('u0', 1, 5.0),
    result('u0', 2, 6.0),
    result('u1', 1, 4.9),
    result('u1', 2, 5.9),
  ];
  const [base, row] = summariseRows(results, 'table1', ['u0', 'u1']);
  const change = difference(row, base);
  assert.ok(Math.abs(change.value + 0.1) < 1e-12);
  // Both seeds improve by exactly 0.1, so the paired spread is zero although the seeds differ by 1.
  assert.ok(change.standardError < 1e-12);
  assert.equal(change.pairedSeeds, 2);
});

test('difference without common seeds adds errors', () => {
  const results = [
    result('u0', 1, 5.0, { standardError: 0.03 }),
    result('u1', 2, 4.9, { standardError: 0.04 }),
  ];
  const [base, row] = summariseRows(results, 'table1', ['u0', 'u1']);
  const change = difference(row, base);
  assert.ok(Math.abs(change.standardError - 0.05) < 1e-12);
  assert.equal(change.pairedSeeds, 0);
});

test('shares group by predictor kind', () => {
  const kinds = sharesByKind({
    absolute: 0.5,
    'output:left+top (0,-1)': 0.2,
    'output:left+top (-1,0)': 0.1,
    'input:3x3 (0,0)': 0.2,
  });
  assert.deepEqual(kinds, { absolute: 0.5, output: 0.30000000000000004, input: 0.2 });
});

test('markdown escapes table pipes', () => {
  const text = toMarkdown([{ kind: 'table', header: ['a'], rows: [['x | y']] }], 'figures');
  assert.match(text, /\| x \\\| y \|/);
});

test('html page embeds figures inline', () => {
  const html = toHtml(
    [
      { kind: 'paragraph', text: 'a <b> `code`' },
      {
        kind: 'figure',
        caption: 'plot',
        file: 'p.svg',
        content: '<?xml version="1.0"?><svg></svg>',
      },
      { kind: 'figure', caption: 'png', file: 'p.png', content: new Uint8Array([1, 2, 3]) },
    ],
    'title',
  );
  assert.match(html, /<p>a &lt;b&gt; <code>code<\/code><\/p>/);
  assert.match(html, /<figure><svg><\/svg>/);
  assert.match(html, /src="data:image\/png;base64,AQID"/);
  assert.doesNotMatch(html, /src="(?!data:)/, 'every image source is a data URL');
});

test('report checks claim directions', async () => {
  const results = [
    result('u0', 1, 5.0),
    result('u0', 2, 5.2),
    result('u1', 1, 4.8),
    result('u1', 2, 5.1),
    result('u3', 1, 5.3),
    result('u3', 2, 5.4),
  ];
  const report = await smallReport(results);
  const line = (id: string) =>
    report.markdown
      .split('\n')
      .find((text) => text.startsWith(`| ${id} |`) && text.includes('beats absolute'));
  // u1 is better than u0 by 0.15 on average, as published (2.99 < 3.02).
  assert.match(line('u1') ?? '', /\| -0\.03 \| -0\.1500 ± 0\.0500 \| yes \| 3\.0 \|/);
  // u3 is worse than u0 here, but published as better.
  assert.match(line('u3') ?? '', /\| -0\.02 \| 0\.2500 ± 0\.0500 \| no \| 5\.0 \|/);
  assert.match(report.markdown, /\| c2 \| relative\(i\): 3x3 \| 1\.21 \| not run yet/);
  assert.ok(report.figures.every((figure) => !figure.file.startsWith('samples')));
});

test('pruning claim counts the rows run', async () => {
  const results = [
    result('u0', 1, 5.0),
    { ...result('p20', 1, 4.5, { prune: 20 }), suite: 'pruning', label: '20%' },
  ];
  const report = await smallReport(results);
  assert.match(report.markdown, /Measured over 1 of the 5 percentages: the lowest mean is at 20%/);
});

test('difference uses only common seeds', () => {
  const results = [
    result('u0', 1, 5.0, { standardError: 0.03 }),
    result('u0', 2, 6.0),
    result('u1', 1, 4.9, { standardError: 0.04 }),
  ];
  const [base, row] = summariseRows(results, 'table1', ['u0', 'u1']);
  const change = difference(row, base);
  // Seed 2 of u0 has no partner, so the mean of u0 (5.5) does not enter.
  assert.ok(Math.abs(change.value + 0.1) < 1e-12);
  assert.ok(Math.abs(change.standardError - 0.05) < 1e-12);
  assert.equal(change.pairedSeeds, 1);
});
