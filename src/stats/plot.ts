/** Plots rendered to SVG with Vega-Lite (no browser or canvas needed). */
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import type { Histograms } from './histograms.js';

/** Renders a Vega-Lite specification to an SVG document. */
export async function renderSvg(spec: vegaLite.TopLevelSpec): Promise<string> {
  const compiled = vegaLite.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Builds the two-panel histogram: sub-pixel values, and differences to the left neighbour. */
export function histogramSpec(histograms: Histograms, title: string): vegaLite.TopLevelSpec {
  const { levels } = histograms;
  const total = (counts: number[]) => counts.reduce((a, b) => a + b, 0);
  const valueTotal = total(histograms.values);
  const differenceTotal = total(histograms.leftDifferences);
  const rows = [
    ...histograms.values.map((count, v) => ({
      panel: 'absolute sub-pixel value',
      x: v,
      share: count / valueTotal,
    })),
    ...histograms.leftDifferences.map((count, k) => ({
      panel: 'difference to left neighbour',
      x: k - (levels - 1),
      share: count / differenceTotal,
    })),
  ];
  return {
    title,
    data: { values: rows },
    facet: { column: { field: 'panel', type: 'nominal', title: null } },
    spec: {
      width: 320,
      height: 200,
      mark: { type: 'bar', width: 1.5 },
      encoding: {
        x: { field: 'x', type: 'quantitative', title: 'value or difference' },
        y: {
          field: 'share',
          type: 'quantitative',
          title: 'share of sub-pixels (square-root scale)',
          scale: { type: 'sqrt' },
        },
      },
    },
    resolve: { scale: { x: 'independent' } },
  };
}
