import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir, runCli, tinyTrainArgs } from './run_cli.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

test('interrupted training saves a checkpoint', async () => {
  const run = join(makeTempDir('relpix-cli-interrupt-'), 'run');
  const args = tinyTrainArgs(run, '--steps', '100000', '--checkpoint-every', '0', '--workers', '1');
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let interrupted = false;
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    // Interrupt once, after training has started: a second SIGINT ends the process at once.
    if (!interrupted && stderr.includes('train: 0/100000')) {
      interrupted = true;
      setTimeout(() => child.kill('SIGINT'), 1000);
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));

  assert.equal(code, 130, stderr);
  const line = stderr.split('\n').find((text) => text.startsWith('relpix: interrupted after step'));
  assert.ok(line !== undefined, stderr);
  const latest = JSON.parse(readFileSync(join(run, 'checkpoints', 'latest.json'), 'utf8'));
  const step = Number(/after step (\d+)/.exec(line)?.[1]);
  assert.equal(latest.path, `step-${String(step).padStart(8, '0')}`);

  const resumed = runCli([...args.map((a) => (a === '100000' ? String(step + 1) : a)), '--resume']);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stdout, new RegExp(`stopped after step ${step + 1} `));
});
