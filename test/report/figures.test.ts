import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ExperimentResult } from '../../src/experiment/results.js';
import { pruningSpec, usageSpec } from '../../src/report/figures.js';
import { summariseRows } from '../../src/report/summary.js';
import { renderSvg } from '../../src/stats/plot.js';

function result(
  suite: string,
  id: string,
  label: string,
  extra: Partial<ExperimentResult> = {},
): ExperimentResult {
  return {
    suite,
    id,
    row: 0,
    label,
    task: 'unconditional',
    predictors: 'absolute',
    scale: 'small',
    seed: 1,
    steps: 350,
    split: 'test',
    bitsPerDim: 5,
    standardError: 0.01,
    images: 100,
    trainSeconds: 1,
    evalSeconds: 1,
    command: 'relpix train',
    runDir: '/nonexistent',
    finishedAt: '2026-01-01T00:00:00.000Z',
    ...extra,
  };
}

/** Returns the text of every `<text>` element of an SVG document. */
function svgTexts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((match) => match[1]);
}

test('usage bars show full labels', async () => {
  const label = 'absolute + relative(o): left+top, pruned 20% and masked';
  const rows = summariseRows(
    [
      result('table1', 'u3', label, {
        shares: { absolute: 0.4, 'output:left+top (-1,0)': 0.6 },
      }),
    ],
    'table1',
    ['u3'],
  );
  const texts = svgTexts(await renderSvg(usageSpec(rows)));
  assert.ok(texts.includes(`u3: ${label}`), `labels drawn: ${texts.join(' | ')}`);
});

test('pruning ticks are kept percentages', async () => {
  const keptPercentages = [5, 10, 20, 50, 100];
  const results = [
    result('table1', 'u0', 'absolute', { bitsPerDim: 6 }),
    ...keptPercentages.map((prune) => result('pruning', `p${prune}`, `${prune}%`, { prune })),
  ];
  const [baseline] = summariseRows(results, 'table1', ['u0']);
  const sweep = summariseRows(
    results,
    'pruning',
    keptPercentages.map((prune) => `p${prune}`),
  );
  const texts = svgTexts(await renderSvg(pruningSpec(sweep, baseline)));
  // Both panels share the x axis. A log scale widened to 1 would also label 1, 2, 3 and 4.
  for (const tick of ['1', '2', '3', '4']) assert.ok(!texts.includes(tick), `tick ${tick}`);
  for (const tick of keptPercentages) assert.ok(texts.includes(String(tick)), `tick ${tick}`);
});
