/**
 * The experiment report: tables of mean bits/dim per row next to the published figure, the
 * check of each published comparison, and the figures, as Markdown and as one HTML page.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as vegaLite from 'vega-lite';
import type { ExperimentResult } from '../experiment/results.js';
import { evalArguments, type ExperimentScale } from '../experiment/scales.js';
import { formatCommand } from '../experiment/runner.js';
import { SUITES, type ExperimentSuite } from '../experiment/suites.js';
import type { Histograms } from '../stats/histograms.js';
import { histogramSpec } from '../stats/plot.js';
import { toHtml, toMarkdown, type Block } from './document.js';
import { modelSizeSpec, pruningSpec, usageSpec } from './figures.js';
import { difference, summariseRows, type RowSummary } from './summary.js';

export interface ReportInput {
  results: ExperimentResult[];
  scale: ExperimentScale;
  resultsPath: string;
  /** Folder of the figure files, relative to the Markdown file. */
  figureFolder: string;
  /** Flags appended to every `relpix experiment` command shown, such as ` --results FILE`. */
  commandFlags?: string;
  /** Training-set histograms at the scale's image size, when the data could be read. */
  histograms?: Histograms;
  renderSvg: (spec: vegaLite.TopLevelSpec) => Promise<string>;
}

export interface Report {
  markdown: string;
  html: string;
  /** Figure files for the Markdown, relative to its figure folder. */
  figures: { file: string; content: string | Uint8Array }[];
  /** Figures left out for lack of files, as sentences for the user. */
  warnings: string[];
}

/** Returns whether a file name is one that `buildReport` writes into the figure folder. */
export function isReportFigure(name: string): boolean {
  return /^(histograms|pruning|model-size|usage)\.svg$|^samples-\w+\.png$/.test(name);
}

const TASK_TITLES: Record<string, string> = {
  unconditional: 'Unconditional generation',
  colourise: 'Colourisation',
  superres: 'Super-resolution',
};

function format(value: number, digits = 4): string {
  return value.toFixed(digits);
}

function rerunCommand(suite: string, scale: string, id: string, flags: string): string {
  return `\`relpix experiment ${suite} --scale ${scale} --rows ${id} --seeds 3${flags}\``;
}

/** Table of one suite's rows for one task: published figure, small-scale mean and seeds. */
function suiteTable(
  suite: ExperimentSuite,
  task: string,
  summaries: RowSummary[],
  scale: string,
  flags: string,
): Block {
  const rows = suite.rows
    .filter((row) => row.task === task)
    .map((row) => {
      const summary = summaries.find((candidate) => candidate.id === row.id);
      const paper = row.paper === undefined ? '-' : row.paper.toFixed(2);
      if (summary === undefined) {
        return [
          row.id,
          row.label,
          paper,
          'not run yet',
          '-',
          '-',
          rerunCommand(suite.name, scale, row.id, flags),
        ];
      }
      const perSeed = summary.seeds.map((result) => format(result.bitsPerDim, 3)).join(', ');
      const minutes = summary.seeds.map((result) => result.trainSeconds / 60);
      const averageMinutes = minutes.reduce((a, b) => a + b, 0) / minutes.length;
      return [
        row.id,
        row.label,
        paper,
        `${format(summary.mean)} ± ${format(summary.standardError)} (${summary.seeds.length})`,
        perSeed,
        `${summary.seeds[0].steps} steps, ${averageMinutes.toFixed(1)} min`,
        rerunCommand(suite.name, scale, summary.id, flags),
      ];
    });
  return {
    kind: 'table',
    header: [
      'row',
      'predictors',
      'paper',
      `${scale}: mean ± s.e. (seeds)`,
      'per seed',
      'budget per seed',
      'rerun',
    ],
    rows,
  };
}

/**
 * Compares every row of Table 1 with the absolute row of its task: the published difference,
 * the measured one, whether their signs agree, and by how many standard errors.
 */
function claimTable(summaries: RowSummary[]): Block {
  const rows: string[][] = [];
  for (const task of Object.keys(TASK_TITLES)) {
    const inTask = summaries.filter((summary) => summary.task === task);
    const baseline = inTask.find((summary) => summary.id.endsWith('0'));
    for (const row of SUITES.table1.rows.filter((r) => r.task === task && r.row !== 0)) {
      const summary = inTask.find((candidate) => candidate.id === row.id);
      const published =
        (row.paper as number) -
        (SUITES.table1.rows.find((r) => r.task === task && r.row === 0)?.paper as number);
      const claim = `${row.label} ${published < 0 ? 'beats' : 'does not beat'} absolute`;
      if (summary === undefined || baseline === undefined) {
        rows.push([row.id, claim, format(published, 2), 'not run yet', '-', '-']);
        continue;
      }
      const change = difference(summary, baseline);
      const agrees = Math.sign(change.value) === Math.sign(published);
      const errors =
        change.standardError > 0 ? Math.abs(change.value) / change.standardError : Infinity;
      rows.push([
        row.id,
        claim,
        format(published, 2),
        `${format(change.value)} ± ${format(change.standardError)}`,
        agrees ? 'yes' : 'no',
        errors.toFixed(1),
      ]);
    }
  }
  return {
    kind: 'table',
    header: [
      'row',
      'published claim',
      'paper: row - absolute',
      'measured: row - absolute ± s.e.',
      'same direction',
      'standard errors from 0',
    ],
    rows,
  };
}

async function figure(
  input: ReportInput,
  caption: string,
  file: string,
  spec: vegaLite.TopLevelSpec,
): Promise<Block> {
  return { kind: 'figure', caption, file, content: await input.renderSvg(spec) };
}

/** Returns the sample grid of the best row of a task in Table 1, from its seed-1 run folder. */
function bestSamples(
  summaries: RowSummary[],
  task: string,
): { row: RowSummary; png: Uint8Array } | undefined {
  const ranked = summaries
    .filter((summary) => summary.task === task)
    .sort((a, b) => a.mean - b.mean);
  for (const row of ranked) {
    const path = join(row.seeds[0].runDir, 'samples.png');
    if (existsSync(path)) return { row, png: new Uint8Array(readFileSync(path)) };
  }
  return undefined;
}

function introduction(input: ReportInput): Block[] {
  const { scale, resultsPath, results } = input;
  const flags = input.commandFlags ?? '';
  const seeds = new Set(results.map((result) => result.seed));
  // A result copied from an identical run of another row cost no extra time.
  const seconds = results
    .filter((result) => result.reusedFrom === undefined)
    .reduce((sum, result) => sum + result.trainSeconds + result.evalSeconds, 0);
  const suites = Object.keys(SUITES).filter((name) =>
    results.some((result) => result.suite === name),
  );
  const maxSeed = Math.max(...seeds);
  return [
    { kind: 'heading', level: 1, text: `Experiment results at the ${scale.name} scale` },
    {
      kind: 'paragraph',
      text:
        `Scale \`${scale.name}\`: ${scale.description}. Every row of a suite trains for the same ` +
        `number of steps with the same settings; rows differ only in their predictors. ` +
        `${results.length} runs over ${seeds.size} seeds are recorded in \`${resultsPath}\` ` +
        `(${(seconds / 3600).toFixed(1)} hours of training and evaluation). Bits/dim are per ` +
        'image averages; the standard error (s.e.) is over seeds, or over images where a row ' +
        'has one seed.',
    },
    {
      kind: 'paragraph',
      text:
        'The published figures come from full-size models on 32x32 images, so only the direction ' +
        'of each comparison is expected to carry over. The numbers below come from these ' +
        'commands (add `--data DIR` where the data is not in the default place), and ' +
        '`relpix report` rebuilds this page from the results file:',
    },
    {
      kind: 'code',
      text: [
        ...suites.map(
          (suite) => `relpix experiment ${suite} --scale ${scale.name} --seeds ${maxSeed}${flags}`,
        ),
        `relpix report --scale ${scale.name}${flags}`,
      ].join('\n'),
    },
  ];
}

/**
 * Lists the `relpix train` and `relpix eval` commands of seed 1 of each row, the two commands
 * the runner ran for it, so that one row can be reproduced without the runner.
 */
function commandList(summaries: RowSummary[], scale: ExperimentScale): Block[] {
  const lines: string[] = [];
  for (const summary of summaries) {
    const first = summary.seeds[0];
    const evalArgs = evalArguments(scale, first.split, first.runDir);
    lines.push(`# ${summary.id}: ${summary.label}, seed ${first.seed}`);
    lines.push(`${first.command} --data DATA_ROOT`);
    lines.push(`${formatCommand(evalArgs)} --data DATA_ROOT`);
  }
  if (lines.length === 0) return [];
  return [
    { kind: 'heading', level: 3, text: 'Commands of each row' },
    {
      kind: 'paragraph',
      text:
        'The runner trained and evaluated each row with these two commands (shown for the first ' +
        'seed; other seeds change `--seed` and the folder). `DATA_ROOT` holds ' +
        '`cifar10/cifar-10-batches-bin/`.',
    },
    { kind: 'code', text: lines.join('\n') },
  ];
}

/** Formats a difference as `-0.1234 ± 0.0100 (2.3 s.e.)`. */
function formatDifference(row: RowSummary, baseline: RowSummary): string {
  const change = difference(row, baseline);
  const errors =
    change.standardError > 0 ? Math.abs(change.value) / change.standardError : Infinity;
  return `${format(change.value)} ± ${format(change.standardError)} (${errors.toFixed(1)} s.e.)`;
}

/**
 * Compares each kept percentage with the absolute row u0 of Table 1. In the published sweep,
 * keeping 20% of the deltas gave the largest improvement.
 */
function pruningClaims(sweep: RowSummary[], results: ExperimentResult[]): Block[] {
  const baseline = summariseRows(results, 'table1', ['u0'])[0];
  if (baseline === undefined || sweep.length === 0) return [];
  const best = [...sweep].sort((a, b) => a.mean - b.mean)[0];
  const twenty = sweep.find((row) => row.seeds[0].prune === 20);
  const planned = SUITES.pruning.rows.length;
  const coverage =
    sweep.length === planned ? '' : ` over ${sweep.length} of the ${planned} percentages`;
  const versusTwenty =
    twenty === undefined || twenty === best
      ? ''
      : ` Its difference to 20% kept is ${formatDifference(best, twenty)}.`;
  return [
    {
      kind: 'paragraph',
      text:
        'Published: keeping 20% of the deltas gave the largest improvement over the absolute ' +
        `predictor. Measured${coverage}: the lowest mean is at ${best.seeds[0].prune}% kept.` +
        versusTwenty,
    },
    {
      kind: 'table',
      header: ['row', 'deltas kept', 'row - absolute (u0) ± s.e.'],
      rows: sweep.map((row) => [row.id, `${row.seeds[0].prune}%`, formatDifference(row, baseline)]),
    },
  ];
}

/** Compares the relative and absolute rows of the model-size sweep at each width. */
function modelSizeClaims(rows: RowSummary[]): Block[] {
  const table: string[][] = [];
  for (const relative of rows.filter((row) => row.id.startsWith('rel-'))) {
    const absolute = rows.find((row) => row.id === relative.id.replace('rel-', 'abs-'));
    if (absolute === undefined) continue;
    table.push([`x${relative.seeds[0].widthFactor}`, formatDifference(relative, absolute)]);
  }
  if (table.length === 0) return [];
  return [
    {
      kind: 'paragraph',
      text:
        'The published figure plots bits/dim against hidden size for both predictor sets; ' +
        'here is the measured difference at each width.',
    },
    { kind: 'table', header: ['channels', 'relative - absolute ± s.e.'], rows: table },
  ];
}

/** Describes the panels of a sample grid and the colours of its latent maps. */
function sampleCaption(row: RowSummary, task: string): string {
  const relative = row.seeds[0].predictors.split(',').some((name) => name !== 'absolute');
  const panels =
    task === 'unconditional'
      ? relative
        ? 'each sample is followed by its latent map'
        : 'a grid of samples'
      : relative
        ? 'each row shows input | sample | latent map | original'
        : 'each row shows input | sample | original';
  const colours = relative
    ? ' In latent maps white is the absolute predictor; copies of output pixels are blue ' +
      '(left), green (top), yellow (top left), magenta (top right) or red (farther); copies of ' +
      'input pixels are orange (same position) or cyan (neighbours).'
    : '';
  return (
    `Figure 2 (${TASK_TITLES[task].toLowerCase()}): samples of row ${row.id} (${row.label}), ` +
    `seed ${row.seeds[0].seed}, the row with the lowest mean bits/dim; ${panels}.${colours}`
  );
}

/** Builds the report from the recorded results. */
export async function buildReport(input: ReportInput): Promise<Report> {
  const { results, scale } = input;
  const blocks: Block[] = introduction(input);
  const figures: Report['figures'] = [];
  const warnings: string[] = [];
  const addFigure = (block: Block): void => {
    blocks.push(block);
    if (block.kind === 'figure') figures.push({ file: block.file, content: block.content });
  };

  for (const suite of Object.values(SUITES)) {
    const summaries = summariseRows(
      results,
      suite.name,
      suite.rows.map((row) => row.id),
    );
    if (summaries.length === 0 && suite.name !== 'table1') continue;
    blocks.push({ kind: 'heading', level: 2, text: suite.title });
    for (const task of Object.keys(TASK_TITLES)) {
      if (!suite.rows.some((row) => row.task === task)) continue;
      blocks.push({ kind: 'heading', level: 3, text: TASK_TITLES[task] });
      blocks.push(suiteTable(suite, task, summaries, scale.name, input.commandFlags ?? ''));
    }
    if (suite.name === 'table1') {
      blocks.push({ kind: 'heading', level: 3, text: 'Published comparisons checked' });
      blocks.push({
        kind: 'paragraph',
        text:
          'Each row against the absolute row of its task. A negative difference means the row ' +
          'has fewer bits/dim, that is, it models the images better.',
      });
      blocks.push(claimTable(summaries));
      blocks.push(...commandList(summaries, scale));
    }
    if (suite.name === 'pruning') blocks.push(...pruningClaims(summaries, results));
    if (suite.name === 'model-size') blocks.push(...modelSizeClaims(summaries));
  }

  blocks.push({ kind: 'heading', level: 2, text: 'Figures' });
  if (input.histograms !== undefined) {
    addFigure(
      await figure(
        input,
        'Figure 1: sub-pixel values and differences to the left neighbour on the training set',
        'histograms.svg',
        histogramSpec(input.histograms, `CIFAR-10 training set at the ${scale.name} scale`),
      ),
    );
  }
  const table1 = summariseRows(
    results,
    'table1',
    SUITES.table1.rows.map((row) => row.id),
  );
  for (const task of Object.keys(TASK_TITLES)) {
    if (!table1.some((row) => row.task === task)) continue;
    const best = bestSamples(table1, task);
    if (best === undefined) {
      warnings.push(
        `left out the ${task} samples because no run folder of Table 1 has samples.png`,
      );
      continue;
    }
    addFigure({
      kind: 'figure',
      caption: sampleCaption(best.row, task),
      file: `samples-${task}.png`,
      content: best.png,
    });
  }
  const pruning = summariseRows(
    results,
    'pruning',
    SUITES.pruning.rows.map((row) => row.id),
  );
  const absolute = table1.find((row) => row.id === 'u0');
  if (pruning.length > 0 && absolute !== undefined) {
    addFigure(
      await figure(
        input,
        'Figure 3: pruning sweep of absolute + relative(o) left+top (unconditional), against the absolute row u0 of Table 1',
        'pruning.svg',
        pruningSpec(pruning, absolute),
      ),
    );
  }
  const sizes = summariseRows(
    results,
    'model-size',
    SUITES['model-size'].rows.map((row) => row.id),
  );
  if (sizes.length > 0) {
    addFigure(
      await figure(
        input,
        'Figure 4: model-size sweep (unconditional)',
        'model-size.svg',
        modelSizeSpec(sizes, scale.hidden),
      ),
    );
  }
  if (table1.some((row) => row.seeds.some((result) => result.shares !== undefined))) {
    addFigure(
      await figure(
        input,
        'Figure 5: share of sampled pixels made by each predictor kind (Table 1 rows, mean over seeds)',
        'usage.svg',
        usageSpec(table1),
      ),
    );
  }

  const title = `relpix results (${scale.name} scale)`;
  return {
    markdown: toMarkdown(blocks, input.figureFolder),
    html: toHtml(blocks, title),
    figures,
    warnings,
  };
}
