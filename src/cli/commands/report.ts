/** `relpix report`: turns an experiment results file into docs/results.md and an HTML page. */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, normalize } from 'node:path';
import { Command, Option } from 'commander';
import { UserError } from '../../errors.js';
import { readResults, type ExperimentResult } from '../../experiment/results.js';
import { SCALES, findScale } from '../../experiment/scales.js';
import { buildReport, isReportFigure } from '../../report/report.js';
import { SUITES } from '../../experiment/suites.js';
import { countHistograms, type Histograms } from '../../stats/histograms.js';
import { renderSvg } from '../../stats/plot.js';
import { defaultRunConfig } from '../../train/config.js';
import { loadSplit } from '../data.js';
import { checkOutputFile, checkOutputFolder } from '../output_paths.js';
import { DEFAULT_RUNS_DIR, defaultResultsPath } from './experiment.js';

/** Counts the training-set histograms at the scale's size, or explains why it cannot. */
function trainingHistograms(size: number, data: string | undefined): Histograms | undefined {
  const config = defaultRunConfig();
  config.data.size = size;
  try {
    return countHistograms(loadSplit(config, 'train', data), config.model.levels);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    console.error(`${error.message} (the report leaves out the histogram figure)`);
    return undefined;
  }
}

/**
 * Returns the flags that the report's rerun commands need to write where these results were
 * written: --runs from the results' run folders and --results, each only where not the default.
 */
function commandFlags(results: ExperimentResult[], resultsPath: string, scale: string): string {
  let flags = '';
  // A run folder is RUNS/<scale>/<suite>/<row>/seed-<n>.
  const runDir = results[0]?.runDir;
  const runsDir = runDir === undefined ? undefined : dirname(dirname(dirname(dirname(runDir))));
  if (runsDir !== undefined && normalize(runsDir) !== normalize(DEFAULT_RUNS_DIR)) {
    flags += ` --runs ${runsDir}`;
  }
  if (resultsPath !== defaultResultsPath(scale)) flags += ` --results ${resultsPath}`;
  return flags;
}

async function runReport(command: Command): Promise<void> {
  const options = command.opts();
  const scale = findScale(options.scale as string);
  const resultsPath = (options.results as string | undefined) ?? defaultResultsPath(scale.name);
  if (!existsSync(resultsPath)) {
    throw new UserError(
      `relpix: results file ${resultsPath} not found; run 'relpix experiment table1 --scale ` +
        `${scale.name}' first, or pass --results FILE`,
    );
  }

  const results = readResults(resultsPath).filter((result) => result.scale === scale.name);
  if (results.length === 0) {
    throw new UserError(
      `relpix: ${resultsPath} has no results at scale ${scale.name}; run ` +
        `'relpix experiment table1 --scale ${scale.name}' first, or pass another --scale`,
    );
  }

  const unknown = [...new Set(results.map((result) => result.suite))].filter(
    (suite) => !(suite in SUITES),
  );
  if (unknown.length > 0) {
    console.error(`relpix: leaving out results of unknown suites: ${unknown.join(', ')}`);
  }

  const markdownPath = options.out as string;
  if (!markdownPath.endsWith('.md')) {
    throw new UserError(`relpix: --out ${markdownPath} must name a Markdown file ending in .md`);
  }

  const stem = basename(markdownPath, '.md');
  const figureDir = join(dirname(markdownPath), stem);
  const htmlPath = join(dirname(markdownPath), `${stem}.html`);
  // Checked before any output is written, so that a failure leaves no half-updated report.
  checkOutputFile(markdownPath, '--out');
  checkOutputFile(htmlPath, '--out');
  checkOutputFolder(figureDir, '--out');

  const size = Number(scale.trainFlags.size ?? 0);
  const report = await buildReport({
    results: results.filter((result) => result.suite in SUITES),
    scale,
    resultsPath,
    figureFolder: stem,
    commandFlags: commandFlags(results, resultsPath, scale.name),
    histograms: trainingHistograms(size, options.data as string | undefined),
    renderSvg,
  });

  for (const warning of report.warnings) console.error(`relpix: ${warning}`);
  try {
    mkdirSync(figureDir, { recursive: true });
    // Figures of an earlier report that this one no longer has would otherwise linger.
    for (const name of readdirSync(figureDir)) {
      if (isReportFigure(name)) rmSync(join(figureDir, name));
    }
    for (const figure of report.figures) {
      writeFileSync(join(figureDir, figure.file), figure.content);
    }
    writeFileSync(markdownPath, report.markdown);
    writeFileSync(htmlPath, report.html);
  } catch (error) {
    throw new UserError(
      `relpix: cannot write the report (${(error as Error).message}); pass a writable --out path`,
    );
  }

  console.log(
    `relpix report: ${results.length} results from ${resultsPath}; wrote ${markdownPath}, ` +
      `${htmlPath} and ${report.figures.length} figures in ${figureDir}`,
  );
}

export function reportCommand(): Command {
  return new Command('report')
    .description(
      'write the experiment results as Markdown tables with figures, and as one self-contained HTML page',
    )
    .addOption(
      new Option('--scale <name>', 'scale whose results to report')
        .choices(Object.keys(SCALES))
        .default('small'),
    )
    .option('--results <file>', 'JSON Lines results file (default: results/<scale>.jsonl)')
    .option(
      '--out <file>',
      'Markdown file; the HTML page and a figure folder of the same name go beside it',
      'docs/results.md',
    )
    .option(
      '--data <dir>',
      'data root for the histogram figure (default: $RELPIX_DATA, then the download cache)',
    )
    .action(async (_options, cmd: Command) => runReport(cmd));
}
