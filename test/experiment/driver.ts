/**
 * Runs a short experiment in a child process so that a test can kill it with SIGKILL. It does
 * nothing unless started with the arguments `run RUNS RESULTS`, because the test runner also
 * loads every file under test/.
 */
import { DATA_ROOT } from '../cli/run_cli.js';
import { runExperiment } from '../../src/experiment/runner.js';
import { SCALES, type ExperimentScale } from '../../src/experiment/scales.js';
import { SUITES, selectRows } from '../../src/experiment/suites.js';

/** The smoke scale with enough steps to be stopped part-way through training. */
export const SLOW_SCALE: ExperimentScale = {
  ...SCALES.smoke,
  name: 'slow-smoke',
  trainFlags: { ...SCALES.smoke.trainFlags, steps: 60, 'checkpoint-every': 2, samples: 0 },
};

export function driverOptions(runsDir: string, resultsPath: string) {
  const suite = SUITES.table1;
  return {
    suite,
    scale: SLOW_SCALE,
    rows: selectRows(suite, ['u0', 'u1']),
    seeds: [1],
    runsDir,
    resultsPath,
    data: DATA_ROOT,
    workers: 1,
    log: (line: string) => console.log(line),
  };
}

const [mode, runsDir, resultsPath] = process.argv.slice(2);
if (mode === 'run') {
  await runExperiment(driverOptions(runsDir, resultsPath));
}
