/** `relpix download cifar10`: fetches and verifies the CIFAR-10 binary release. */
import { Command, Argument } from 'commander';
import { downloadCifar10 } from '../../data/download.js';
import { defaultCacheRoot } from '../../data/location.js';
import { checkOutputFolder } from '../output_paths.js';

export function downloadCommand(): Command {
  return new Command('download')
    .description('download a data set into the cache, verify its MD5 checksum and unpack it')
    .addArgument(new Argument('<dataset>', 'data set to fetch').choices(['cifar10']))
    .option('--cache <dir>', 'cache folder (default: $XDG_CACHE_HOME/relpix or ~/.cache/relpix)')
    .action(async (_dataset: string, options: { cache?: string }) => {
      const root = options.cache ?? defaultCacheRoot();
      checkOutputFolder(root, '--cache');
      let lastPercent = -1;
      const result = await downloadCifar10(root, {
        onProgress: (received, total) => {
          if (total === undefined) return;
          const percent = Math.floor((100 * received) / total);
          if (percent !== lastPercent && percent % 10 === 0) {
            lastPercent = percent;
            process.stderr.write(`downloaded ${percent}%\n`);
          }
        },
      });
      console.log(`${result.cached ? 'already present' : 'downloaded'}: ${result.dir}`);
    });
}
