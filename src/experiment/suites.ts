/**
 * The experiment suites: every row of Table 1 and Table 3 of the published relative pixel
 * prediction results (CIFAR-10 bits/dim), and the pruning and model-size sweeps behind its
 * figures. A row is a set of `relpix train` flags, and the scale adds the model size and budget.
 */
import { UserError } from '../errors.js';
import type { Task as TaskName } from '../data/tasks.js';

export type SplitName = 'test' | 'validation';

export interface ExperimentRow {
  /** Identifier unique in the suite, such as `c2` (colourisation, row 2). */
  id: string;
  /** Row number in the published table, or the swept value. */
  row: number;
  task: TaskName;
  /** Value of --predictors. */
  predictors: string;
  /** Value of --prune, when the row prunes every relative predictor. */
  prune?: number;
  /** Value of --prune-output, when the row prunes only the output-relative predictor. */
  pruneOutput?: number;
  /** Whether the row passes --mask. */
  mask?: boolean;
  /** Multiplier of the scale's hidden and skip channels (model-size sweep). */
  widthFactor?: number;
  /** Published CIFAR-10 bits/dim of the row (full-size model, 32x32), when the tables give one. */
  paper?: number;
  /** Short description, such as `relative(o): left+top`. */
  label: string;
}

export interface ExperimentSuite {
  name: string;
  title: string;
  /** Split whose bits/dim the suite reports. */
  split: SplitName;
  rows: ExperimentRow[];
}

const TASK_LETTERS: Record<TaskName, string> = {
  unconditional: 'u',
  colourise: 'c',
  superres: 's',
};

const TASK_ORDER: TaskName[] = ['unconditional', 'colourise', 'superres'];

/** A row template: predictors per task, and the published figure per task (absent: not run). */
interface RowTemplate {
  row: number;
  label: string;
  predictors: string;
  prune?: number;
  pruneOutput?: number;
  mask?: boolean;
  paper: Partial<Record<TaskName, number>>;
}

function expand(templates: RowTemplate[]): ExperimentRow[] {
  const rows: ExperimentRow[] = [];
  for (const task of TASK_ORDER) {
    for (const template of templates) {
      const paper = template.paper[task];
      if (paper === undefined) continue;
      const { paper: _unused, ...fields } = template;
      rows.push({ ...fields, id: `${TASK_LETTERS[task]}${template.row}`, task, paper });
    }
  }
  return rows;
}

// Published CIFAR-10 test bits/dim of Table 1, per task.
const TABLE_1: RowTemplate[] = [
  {
    row: 0,
    label: 'absolute',
    predictors: 'absolute',
    paper: { unconditional: 3.02, colourise: 1.25, superres: 2.87 },
  },
  {
    row: 1,
    label: 'relative(o): left+top',
    predictors: 'output:left+top',
    paper: { unconditional: 2.99, colourise: 0.99, superres: 2.82 },
  },
  {
    row: 2,
    label: 'relative(i): 3x3',
    predictors: 'input:3x3',
    paper: { colourise: 1.21, superres: 2.85 },
  },
  {
    row: 3,
    label: 'absolute + relative(o), pruned 20%',
    predictors: 'absolute,output:left+top',
    prune: 20,
    paper: { unconditional: 3.0, colourise: 1.03, superres: 2.83 },
  },
  {
    row: 4,
    label: 'absolute + relative(i)',
    predictors: 'absolute,input:3x3',
    paper: { colourise: 1.2, superres: 2.84 },
  },
  {
    row: 5,
    label: 'relative(i) + relative(o)',
    predictors: 'input:3x3,output:left+top',
    paper: { colourise: 0.97, superres: 2.81 },
  },
];

/**
 * Table 3 (validation set). The published table gives one range for rows reported together
 * (6-8, 9-11, 12-14, 15-17), so those rows carry no single figure here.
 */
const TABLE_3: RowTemplate[] = [
  {
    row: 0,
    label: 'absolute',
    predictors: 'absolute',
    paper: { unconditional: 3.02, colourise: 1.23, superres: 2.86 },
  },
  ...(
    [
      [1, 'left', 3.0, 0.96, 2.84],
      [2, 'top', 3.0, 0.98, 2.83],
      [3, 'left+top', 2.99, 1.0, 2.8],
      [4, '2x2', 3.0, 1.06, 2.82],
      [5, '3x3', 3.01, 1.05, 2.83],
    ] as const
  ).map(([row, set, u, c, s]) => ({
    row,
    label: `rel(o) ${set}`,
    predictors: `output:${set}`,
    paper: { unconditional: u, colourise: c, superres: s },
  })),
  ...(['left+top', '2x2', '3x3'] as const).map((set, k) => ({
    row: 6 + k,
    label: `absolute + rel(o) ${set}, unpruned`,
    predictors: `absolute,output:${set}`,
    paper: { unconditional: NaN, colourise: NaN, superres: NaN },
  })),
  ...(['left+top', '2x2', '3x3'] as const).map((set, k) => ({
    row: 9 + k,
    label: `absolute + rel(o) ${set}, pruned 20%`,
    predictors: `absolute,output:${set}`,
    prune: 20,
    paper: { unconditional: 3.0, colourise: NaN, superres: NaN },
  })),
  ...(['centre', '2x2', '3x3'] as const).map((grid, k) => ({
    row: 12 + k,
    label: `rel(i) ${grid}`,
    predictors: `input:${grid}`,
    paper: { colourise: NaN, superres: NaN },
  })),
  ...(['centre', '2x2', '3x3'] as const).map((grid, k) => ({
    row: 15 + k,
    label: `absolute + rel(i) ${grid}`,
    predictors: `absolute,input:${grid}`,
    paper: { colourise: NaN, superres: NaN },
  })),
  // Rows 18, 19, 21 and 22 prune only the output-relative predictor. The unpruned
  // input-relative predictor keeps every value possible without the absolute one.
  {
    row: 18,
    label: 'rel(o) left+top pruned 20% + rel(i) 3x3',
    predictors: 'output:left+top,input:3x3',
    pruneOutput: 20,
    paper: { colourise: 0.94, superres: 2.78 },
  },
  {
    row: 19,
    label: 'absolute + rel(o) left+top pruned 20% + rel(i) 3x3',
    predictors: 'absolute,output:left+top,input:3x3',
    pruneOutput: 20,
    paper: { colourise: 0.98, superres: 2.79 },
  },
  // A pruned output-relative predictor alone would give some values probability 0, so row 20
  // keeps the absolute predictor, as rows 9 to 11 do.
  {
    row: 20,
    label: 'absolute + rel(o) left+top, pruned 20% and masked',
    predictors: 'absolute,output:left+top',
    prune: 20,
    mask: true,
    paper: { unconditional: 2.98, colourise: 0.95, superres: 2.79 },
  },
  {
    row: 21,
    label: 'row 18 masked',
    predictors: 'output:left+top,input:3x3',
    pruneOutput: 20,
    mask: true,
    paper: { colourise: 0.93, superres: 2.78 },
  },
  {
    row: 22,
    label: 'absolute + row 18 masked',
    predictors: 'absolute,output:left+top,input:3x3',
    pruneOutput: 20,
    mask: true,
    paper: { colourise: 0.96, superres: 2.79 },
  },
];

/** Percentages of kept deltas in the pruning sweep; 20% is the paper's best. */
export const PRUNING_PERCENTAGES = [5, 10, 20, 50, 100];

/** Multipliers of the scale's channel counts in the model-size sweep. */
export const WIDTH_FACTORS = [0.5, 1, 2];

function pruningRows(): ExperimentRow[] {
  return PRUNING_PERCENTAGES.map((prune) => ({
    id: `p${prune}`,
    row: prune,
    task: 'unconditional',
    label: `absolute + relative(o) left+top, ${prune}% of deltas kept`,
    predictors: 'absolute,output:left+top',
    prune,
  }));
}

function modelSizeRows(): ExperimentRow[] {
  const kinds = [
    { key: 'abs', label: 'absolute', predictors: 'absolute', prune: undefined },
    {
      key: 'rel',
      label: 'absolute + relative(o) left+top, pruned 20%',
      predictors: 'absolute,output:left+top',
      prune: 20,
    },
  ];
  return kinds.flatMap((kind) =>
    WIDTH_FACTORS.map((factor) => ({
      id: `${kind.key}-x${factor}`,
      row: factor,
      task: 'unconditional' as const,
      label: `${kind.label}, channels x${factor}`,
      predictors: kind.predictors,
      ...(kind.prune === undefined ? {} : { prune: kind.prune }),
      widthFactor: factor,
    })),
  );
}

/** Drops NaN placeholders, which stand for rows whose published figure is a range. */
function withoutPlaceholders(rows: ExperimentRow[]): ExperimentRow[] {
  return rows.map((row) => {
    if (row.paper !== undefined && Number.isNaN(row.paper)) {
      const { paper: _unused, ...rest } = row;
      return rest;
    }
    return row;
  });
}

export const SUITES: Record<string, ExperimentSuite> = {
  table1: {
    name: 'table1',
    title: 'Table 1: main results (CIFAR-10 test set)',
    split: 'test',
    rows: expand(TABLE_1),
  },
  table3: {
    name: 'table3',
    title: 'Table 3: ablation (CIFAR-10 validation set)',
    split: 'validation',
    rows: withoutPlaceholders(expand(TABLE_3)),
  },
  pruning: {
    name: 'pruning',
    title: 'Pruning sweep: share of deltas kept (unconditional, test set)',
    split: 'test',
    rows: pruningRows(),
  },
  'model-size': {
    name: 'model-size',
    title: 'Model-size sweep: channels of the backbone (unconditional, test set)',
    split: 'test',
    rows: modelSizeRows(),
  },
};

export function findSuite(name: string): ExperimentSuite {
  const suite = SUITES[name];
  if (suite === undefined) {
    throw new UserError(
      `relpix: experiment suite '${name}' is unknown; expected one of ${Object.keys(SUITES).join(', ')}`,
    );
  }
  return suite;
}

/** Returns the rows of `suite` named in `ids` (all rows when `ids` is undefined). */
export function selectRows(suite: ExperimentSuite, ids?: string[]): ExperimentRow[] {
  if (ids === undefined) return suite.rows;
  return ids.map((id) => {
    const row = suite.rows.find((candidate) => candidate.id === id);
    if (row === undefined) {
      throw new UserError(
        `relpix: row '${id}' is not in suite ${suite.name}; its rows are ` +
          `${suite.rows.map((r) => r.id).join(', ')}`,
      );
    }
    return row;
  });
}
