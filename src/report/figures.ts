/** Vega-Lite specifications of the report's figures, drawn from summarised experiment results. */
import type * as vegaLite from 'vega-lite';
import { difference, meanSharesByKind, type RowSummary } from './summary.js';

const KIND_LABELS = {
  absolute: 'absolute',
  input: 'input-relative',
  output: 'output-relative',
} as const;

/** Error bar layer over fields `low` and `high`, to sit on top of a point or line layer. */
function errorBars(x: Record<string, unknown>, colour?: object) {
  return {
    mark: { type: 'rule' as const },
    encoding: {
      ...x,
      y: { field: 'low', type: 'quantitative' as const },
      y2: { field: 'high' },
      ...(colour === undefined ? {} : { color: colour }),
    },
  };
}

/**
 * Pruning sweep: improvement over the absolute baseline (positive: relative is better) and the
 * share of sampled pixels the relative predictor made, against the percentage of deltas kept.
 */
export function pruningSpec(sweep: RowSummary[], baseline: RowSummary): vegaLite.TopLevelSpec {
  const rows = sweep.map((row) => {
    const change = difference(row, baseline);
    const shares = meanSharesByKind(row);
    return {
      kept: row.seeds[0].prune ?? 100,
      improvement: -change.value,
      low: -change.value - change.standardError,
      high: -change.value + change.standardError,
      relativeShare: shares === undefined ? null : shares.output + shares.input,
    };
  });
  const keptPercentages = rows.map((row) => row.kept);
  const x = {
    x: {
      field: 'kept',
      type: 'quantitative' as const,
      // Without a fixed domain the log scale is widened to 1 and the points sit in its right half.
      scale: {
        type: 'log' as const,
        domain: [Math.min(...keptPercentages), Math.max(...keptPercentages)],
        nice: false,
      },
      axis: { values: keptPercentages },
      title: 'deltas kept (%)',
    },
  };
  return {
    data: { values: rows },
    hconcat: [
      {
        width: 280,
        height: 200,
        title: 'improvement over absolute (bits/dim, ± 1 s.e.)',
        layer: [
          {
            mark: { type: 'line', point: true },
            encoding: {
              ...x,
              y: { field: 'improvement', type: 'quantitative', title: 'bits/dim saved' },
            },
          },
          errorBars(x),
        ],
      },
      {
        width: 280,
        height: 200,
        title: 'share of sampled pixels made relatively',
        mark: { type: 'line', point: true },
        encoding: {
          ...x,
          y: {
            field: 'relativeShare',
            type: 'quantitative',
            title: 'share',
            scale: { domain: [0, 1] },
          },
        },
      },
    ],
  };
}

/** Model-size sweep: bits/dim against hidden channels H1, one line per predictor set. */
export function modelSizeSpec(rows: RowSummary[], baseHidden: number): vegaLite.TopLevelSpec {
  const values = rows.map((row) => ({
    hidden: Math.round(baseHidden * (row.seeds[0].widthFactor ?? 1)),
    predictors: row.id.startsWith('abs') ? 'absolute' : 'absolute + relative(o), pruned 20%',
    bitsPerDim: row.mean,
    low: row.mean - row.standardError,
    high: row.mean + row.standardError,
  }));
  const widths = values.map((value) => value.hidden);
  const x = {
    x: {
      field: 'hidden',
      type: 'quantitative' as const,
      scale: {
        type: 'log' as const,
        base: 2,
        domain: [Math.min(...widths), Math.max(...widths)],
        nice: false,
      },
      axis: { values: [...new Set(widths)] },
      title: 'hidden channels H1 (H2 scaled by the same factor)',
    },
  };
  // Vega's default legend label limit of 160 pixels cuts off the relative row's label.
  const colour = {
    field: 'predictors',
    type: 'nominal' as const,
    title: null,
    legend: { labelLimit: 0 },
  };
  return {
    data: { values },
    width: 360,
    height: 220,
    layer: [
      {
        mark: { type: 'line', point: true },
        encoding: {
          ...x,
          y: {
            field: 'bitsPerDim',
            type: 'quantitative',
            title: 'bits/dim (± 1 s.e.)',
            scale: { zero: false },
          },
          color: colour,
        },
      },
      errorBars(x, colour),
    ],
  };
}

/** Predictor usage when sampling: share of pixels per predictor kind, one bar per row. */
export function usageSpec(rows: RowSummary[]): vegaLite.TopLevelSpec {
  const values = rows.flatMap((row) => {
    const shares = meanSharesByKind(row);
    if (shares === undefined) return [];
    return (Object.keys(KIND_LABELS) as (keyof typeof KIND_LABELS)[]).map((kind) => ({
      row: `${row.id}: ${row.label}`,
      kind: KIND_LABELS[kind],
      share: shares[kind],
    }));
  });
  return {
    data: { values },
    width: 320,
    mark: 'bar',
    encoding: {
      // Vega's default label limit of 180 pixels cuts off labels such as 'absolute + relative(o)',
      // so 0 (no limit) is set.
      y: { field: 'row', type: 'nominal', title: null, sort: null, axis: { labelLimit: 0 } },
      x: {
        field: 'share',
        type: 'quantitative',
        title: 'share of sampled pixels',
        scale: { domain: [0, 1] },
      },
      color: {
        field: 'kind',
        type: 'nominal',
        title: 'predictor',
        scale: {
          domain: Object.values(KIND_LABELS),
          range: ['#bbbbbb', '#f28e2b', '#4e79a7'],
        },
      },
    },
  };
}
