/**
 * Learning-rate schedules: a linear warm-up followed by a constant, cosine or exponential decay.
 */
export const SCHEDULES = ['constant', 'cosine', 'exponential'] as const;
export type ScheduleName = (typeof SCHEDULES)[number];

export interface ScheduleSettings {
  schedule: ScheduleName;
  learningRate: number;
  warmupSteps: number;
  /** Total steps of the run; the cosine schedule reaches `minRatio` here. */
  totalSteps: number;
  /** Cosine floor as a fraction of the learning rate. */
  minRatio: number;
  /** Exponential decay factor applied per 1,000 steps. */
  decayPer1000: number;
}

/** Returns the learning rate for update number `step` (0-based). */
export function learningRateAt(settings: ScheduleSettings, step: number): number {
  const { learningRate, warmupSteps, totalSteps } = settings;
  if (step < warmupSteps) {
    return (learningRate * (step + 1)) / warmupSteps;
  }
  const after = step - warmupSteps;
  switch (settings.schedule) {
    case 'constant':
      return learningRate;
    case 'exponential':
      return learningRate * settings.decayPer1000 ** (after / 1000);
    case 'cosine': {
      const span = Math.max(1, totalSteps - warmupSteps);
      const progress = Math.min(1, after / span);
      const ratio =
        settings.minRatio + (1 - settings.minRatio) * 0.5 * (1 + Math.cos(Math.PI * progress));
      return learningRate * ratio;
    }
  }
}
