import { describe, expect, it } from 'vitest';
import { jobOf } from './job.js';

describe('jobOf', () => {
  it('reads the job from SLURM\'s variables, with GPU hours from the allocated GPUs and the wall time', () => {
    const env = { SLURM_JOB_ID: '812', SLURMD_NODENAME: 'gpu07', SLURM_JOB_PARTITION: 'gpu', SLURM_JOB_GPUS: '0,1,2,3', SLURM_CPUS_ON_NODE: '16' };
    expect(jobOf(env, '2026-01-01T00:00:00Z', '2026-01-01T01:30:00Z')).toEqual({ scheduler: 'slurm', id: '812', node: 'gpu07', partition: 'gpu', gpus: ['0', '1', '2', '3'], cpus: 16, hours: 1.5, gpuHours: 6 });
  });
  it('counts GPUs from SLURM_GPUS_ON_NODE when the indices are not given, and is null outside a job', () => {
    expect(jobOf({ SLURM_JOB_ID: '9', SLURM_GPUS_ON_NODE: '2' }, '2026-01-01T00:00:00Z', '2026-01-01T00:30:00Z')).toMatchObject({ gpus: [], gpuHours: 1, node: null, cpus: null });
    expect(jobOf({}, '2026-01-01T00:00:00Z', '2026-01-01T00:30:00Z')).toBeNull();
  });
});
