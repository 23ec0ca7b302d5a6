import { describe, expect, it } from 'vitest';
import { describeEnd, type JobState } from './jobs.js';
import type { SubmittedJob } from './state.js';

// The states SLURM reports for jobs it kills; the one-node test cluster enforces time limits (tested
// end to end) but not memory, which needs cgroups or job accounting, so the memory end is checked here.
const job: SubmittedJob = { stage: 'train', kind: 'stage', jobId: '42', log: '/p/.provenant/slurm/s/train.log', exitRecord: '/x', result: null, submittedAt: '', after: [], gpus: 1 };
const state = (s: Partial<JobState>): JobState => ({ state: 'FAILED', reason: null, elapsed: '1:02', exitCode: 0, signal: null, node: 'gpu7', source: 'squeue', ...s });

describe('describeEnd', () => {
  it('names the limit to raise when SLURM kills a job for memory or time', () => {
    expect(describeEnd(job, state({ state: 'OUT_OF_MEMORY' }), { mem: '16G' })).toEqual({ end: 'failed', message: 'job 42 ran out of memory (mem: 16G) and SLURM killed it on gpu7: raise slurm.mem for stage train' });
    expect(describeEnd(job, state({ state: 'TIMEOUT' }), { time: '2:00:00' }).message).toBe('job 42 hit its time limit (time: 2:00:00) and SLURM killed it on gpu7: raise slurm.time for stage train');
  });
  it('tells an exit code from a signal, and a job that never started from a cancelled one', () => {
    expect(describeEnd(job, state({ exitCode: 3 }), {}).message).toBe('job 42 failed on gpu7: exit 3');
    expect(describeEnd(job, state({ signal: 9 }), {}).message).toBe('job 42 failed on gpu7: killed by signal 9');
    expect(describeEnd(job, state({ state: 'CANCELLED', reason: 'DependencyNeverSatisfied', elapsed: '0:00' }), {}).end).toBe('blocked');
    expect(describeEnd(job, state({ state: 'CANCELLED', elapsed: '0:00' }), {}).message).toBe('job 42 was cancelled before it started');
  });
});
