/**
 * `relpix stats` (value and difference histograms of the training set) and `relpix deltas` (the
 * delta counts and the kept set that pruning would store).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { UserError } from '../../errors.js';
import { keptDeltas, countDeltas } from '../../model/predictors/pruning.js';
import { countHistograms, shareNearCentre } from '../../stats/histograms.js';
import { histogramSpec, renderSvg } from '../../stats/plot.js';
import { defaultRunConfig } from '../../train/config.js';
import { loadSplit } from '../data.js';
import { parseInteger, parseNumber } from '../options.js';
import { checkOutputFile, checkOutputFolder } from '../output_paths.js';

function addDataOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--dataset <name>', 'data set')
        .choices(['cifar10', 'mnist', 'png'])
        .default('cifar10'),
    )
    .option('--folder <dir>', 'folder of PNG images, for --dataset png')
    .option(
      '--data <dir>',
      'data root holding cifar10/cifar-10-batches-bin/ (default: $RELPIX_DATA, then the download cache)',
    )
    .option('--size <pixels>', 'image side after box-filter reduction', parseInteger, 16)
    .option('--levels <n>', 'intensity levels per sub-pixel, a power of two', parseInteger, 256);
}

function trainingSet(options: Record<string, unknown>) {
  const config = defaultRunConfig();
  config.data.dataset = options.dataset as 'cifar10';
  config.data.folder = options.folder as string | undefined;
  config.data.size = options.size as number;
  config.model.levels = options.levels as number;
  return loadSplit(config, 'train', options.data as string | undefined);
}

export function statsCommand(): Command {
  const command = new Command('stats').description(
    'write histograms of sub-pixel values and of differences to the left neighbour over the training images (JSON and SVG)',
  );
  addDataOptions(command)
    .option('--out <dir>', 'folder for histograms.json and histograms.svg', 'runs/stats')
    .action(async (options: Record<string, unknown>) => {
      const outDir = options.out as string;
      checkOutputFolder(outDir, '--out');
      const set = trainingSet(options);
      const levels = options.levels as number;
      const histograms = countHistograms(set, levels);
      mkdirSync(outDir, { recursive: true });
      writeFileSync(join(outDir, 'histograms.json'), `${JSON.stringify(histograms)}\n`);
      const title = `${options.dataset} training set, ${set.count} images, ${set.height}x${set.width}, L = ${levels}`;
      writeFileSync(
        join(outDir, 'histograms.svg'),
        await renderSvg(histogramSpec(histograms, title)),
      );
      const near = shareNearCentre(
        histograms.leftDifferences,
        Math.max(1, Math.round(levels / 32)),
      );
      console.log(`${title}`);
      console.log(
        `share of left differences within ±${Math.max(1, Math.round(levels / 32))}: ${(100 * near).toFixed(1)}%`,
      );
      console.log(`wrote ${join(outDir, 'histograms.json')} and ${join(outDir, 'histograms.svg')}`);
    });
  return command;
}

export function deltasCommand(): Command {
  const command = new Command('deltas').description(
    'count deltas between neighbouring sub-pixels over the training images and print the set that pruning keeps',
  );
  addDataOptions(command)
    .option('--prune <percent>', 'percentage of the 2L-1 deltas to keep', parseNumber, 20)
    .option('--out <file>', 'JSON file for the counts and the kept set')
    .action((options: Record<string, unknown>) => {
      const prune = options.prune as number;
      if (!(prune > 0 && prune <= 100)) {
        throw new UserError(
          `relpix: prune is ${prune}, expected a percentage above 0 and at most 100`,
        );
      }
      if (options.out !== undefined) {
        checkOutputFile(options.out as string, '--out');
      }
      const set = trainingSet(options);
      const levels = options.levels as number;
      const counts = countDeltas(set, levels);
      const kept = keptDeltas(counts, options.prune as number);
      const total = counts.reduce((a, b) => a + b, 0);
      const covered = kept.reduce((sum, d) => sum + counts[d + levels - 1], 0);
      console.log(
        `kept ${kept.length} of ${2 * levels - 1} deltas (${options.prune}%), covering ` +
          `${((100 * covered) / total).toFixed(2)}% of neighbouring sub-pixel pairs`,
      );
      console.log(`kept deltas: ${[...kept].sort((a, b) => a - b).join(' ')}`);
      if (options.out !== undefined) {
        const record = { levels, prune: options.prune, kept, counts: Array.from(counts) };
        writeFileSync(options.out as string, `${JSON.stringify(record)}\n`);
        console.log(`wrote ${options.out}`);
      }
    });
  return command;
}
