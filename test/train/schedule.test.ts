import { test } from 'node:test';
import assert from 'node:assert/strict';
import { learningRateAt, type ScheduleSettings } from '../../src/train/schedule.js';

const BASE: Omit<ScheduleSettings, 'schedule'> = {
  learningRate: 0.01,
  warmupSteps: 10,
  totalSteps: 110,
  minRatio: 0.1,
  decayPer1000: 0.5,
};

function rateAt(schedule: ScheduleSettings['schedule'], step: number): number {
  return learningRateAt({ ...BASE, schedule }, step);
}

function assertClose(actual: number, expected: number, label: string): void {
  assert.ok(Math.abs(actual - expected) <= 1e-15, `${label}: ${actual}, expected ${expected}`);
}

for (const schedule of ['constant', 'cosine', 'exponential'] as const) {
  test(`${schedule} warm-up rises linearly`, () => {
    // Update k of the warm-up uses (k + 1) / warmupSteps of the rate, so the last one is full.
    assertClose(rateAt(schedule, 0), 0.001, 'step 0');
    assertClose(rateAt(schedule, 4), 0.005, 'step 4');
    assertClose(rateAt(schedule, 9), 0.01, 'step 9');
  });
}

test('constant schedule keeps the rate', () => {
  assertClose(rateAt('constant', 10), 0.01, 'start');
  assertClose(rateAt('constant', 60), 0.01, 'middle');
  assertClose(rateAt('constant', 110), 0.01, 'end');
});

test('cosine schedule decays to floor', () => {
  assertClose(rateAt('cosine', 10), 0.01, 'start');
  // Halfway through the 100 decay steps the cosine factor is 0.5: 0.1 + 0.9 * 0.5 = 0.55.
  assertClose(rateAt('cosine', 60), 0.0055, 'middle');
  assertClose(rateAt('cosine', 110), 0.001, 'end');
  assertClose(rateAt('cosine', 500), 0.001, 'after the end');
});

test('exponential schedule halves per 1000', () => {
  assertClose(rateAt('exponential', 10), 0.01, 'start');
  assertClose(rateAt('exponential', 510), 0.01 * Math.SQRT1_2, 'middle');
  assertClose(rateAt('exponential', 1010), 0.005, 'after 1,000 steps');
  assertClose(rateAt('exponential', 2010), 0.0025, 'after 2,000 steps');
});
