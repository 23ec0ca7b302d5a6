/**
 * A stage's `slurm:` options as sbatch arguments. The same arguments go to `sbatch --test-only` in the
 * pre-flight, so what the gate accepts is what `pipeline run` submits.
 */
import type { SlurmOptions } from '../../schemas/pipeline.js';

export function sbatchOptions(o: SlurmOptions): string[] {
  const args: string[] = [];
  if (o.partition) args.push(`--partition=${o.partition}`);
  if (o.account) args.push(`--account=${o.account}`);
  if (o.qos) args.push(`--qos=${o.qos}`);
  if (o.gpus !== undefined && o.gpus !== 0 && o.gpus !== '0') args.push(`--gpus=${o.gpus}`);
  if (o.cpus !== undefined) args.push(`--cpus-per-task=${o.cpus}`);
  if (o.mem) args.push(`--mem=${o.mem}`);
  if (o.time) args.push(`--time=${o.time}`);
  return [...args, ...(o.extra ?? [])];
}

/** A gate job reads one JSON file: one CPU, little memory, minutes; the stage's partition, account and QOS. */
export function gateJobOptions(o: SlurmOptions): string[] {
  return sbatchOptions({
    ...(o.partition ? { partition: o.partition } : {}),
    ...(o.account ? { account: o.account } : {}),
    ...(o.qos ? { qos: o.qos } : {}),
    cpus: 1,
    mem: '512M',
    time: '10',
  });
}

/** How many GPUs an option set asks for (`a100:2` → 2). */
export function gpuCount(o: SlurmOptions): number {
  if (o.gpus === undefined) return 0;
  const n = Number(String(o.gpus).split(':').pop());
  return Number.isFinite(n) ? n : 0;
}
