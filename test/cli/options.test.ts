import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Command } from 'commander';
import { addRunOptions, resolveRunConfig } from '../../src/cli/options.js';

function configOf(...args: string[]) {
  const command = addRunOptions(new Command('train')).exitOverride();
  command.parse(args, { from: 'user' });
  return resolveRunConfig(command);
}

function pruneOf(args: string[]): Record<string, number> {
  const config = configOf(...args);
  return Object.fromEntries(
    config.model.predictors.flatMap((p) => (p.kind === 'absolute' ? [] : [[p.kind, p.prune]])),
  );
}

test('prune applies to every relative predictor', () => {
  const args = [
    '--task',
    'colourise',
    '--predictors',
    'output:left+top,input:3x3',
    '--prune',
    '20',
  ];
  assert.deepEqual(pruneOf(args), { output: 20, input: 20 });
});

test('prune-output leaves input predictors whole', () => {
  const args = ['--task', 'colourise', '--predictors', 'output:left+top,input:3x3'];
  assert.deepEqual(pruneOf([...args, '--prune-output', '20']), { output: 20, input: 100 });
  assert.deepEqual(pruneOf([...args, '--prune-input', '50']), { output: 100, input: 50 });
  assert.deepEqual(pruneOf([...args, '--prune', '10', '--prune-input', '50']), {
    output: 10,
    input: 50,
  });
});

test('mask applies with predictors', () => {
  const config = configOf('--predictors', 'absolute,output:left', '--mask');
  const relative = config.model.predictors[1];
  assert.equal(relative.kind, 'output');
  assert.equal('mask' in relative && relative.mask, true);
});
