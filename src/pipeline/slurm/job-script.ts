/**
 * The batch scripts `pipeline run` hands to sbatch. A stage job changes into the project, checks that
 * this node sees the submission's files (a project on a node-local disk is the classic way to lose a
 * night's work), and runs the stage through `provenant run`, so the stamp is written on the node where
 * the output is made, with the job's id, node and GPUs. The script holds no command line (a command may
 * carry a token): `run --stage` reads the command from the spec on the node. When the command ends, the job writes its own exit
 * record beside its log: the fallback for `pipeline status` on clusters without accounting. A gate job
 * runs `provenant pipeline gates`, which exits 1 when a gate fails, so SLURM never starts what it blocks.
 */
import path from 'node:path';

import { packageRoot } from '../../core/paths.js';

/** One word for bash, quoted so nothing in it is expanded. */
export function sh(word: string): string {
  return /^[A-Za-z0-9_./:=,+@%-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function provenant(): string {
  return `${sh(process.execPath)} ${sh(path.join(packageRoot(), 'bin', 'provenant.js'))}`;
}

interface ScriptBase {
  root: string;
  stage: string;
  /** A file of this submission the node must see. */
  marker: string;
  exitRecord: string;
}

function prologue(b: ScriptBase, what: string): string[] {
  return [
    '#!/bin/bash',
    `# provenant: ${what}`,
    `cd ${sh(b.root)} 2>/dev/null && [ -f ${sh(b.marker)} ] || {`,
    `  echo "provenant: stage ${b.stage}: the project ${b.root} is not visible on $(hostname); stages on SLURM need it on a filesystem the compute nodes share" >&2`,
    '  exit 2',
    '}',
    // a trapped TERM (time limit, scancel) lets the exit record below be written once the stage command is gone
    "trap 'echo \"provenant: job $SLURM_JOB_ID received SIGTERM (time limit or scancel)\" >&2' TERM",
    'started=$(date -u +%Y-%m-%dT%H:%M:%SZ)',
  ];
}

function epilogue(b: ScriptBase): string[] {
  const tmp = `${b.exitRecord}.tmp`;
  return [
    'code=$?',
    `printf '{"jobId":"%s","node":"%s","startedOn":"%s","finishedOn":"%s","exitCode":%d}\\n' "$SLURM_JOB_ID" "$(hostname)" "$started" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$code" > ${sh(tmp)} && mv ${sh(tmp)} ${sh(b.exitRecord)}`,
    'exit $code',
    '',
  ];
}

export interface StageScript extends ScriptBase {
  outputs: string[];
  inputs: string[];
  parameters: string;
  allowDeprecated: boolean;
  inputVerdicts: string[] | null;
}

export function stageScript(s: StageScript): string {
  const run = [
    provenant(),
    'run',
    '--stage',
    sh(s.parameters),
    ...s.outputs.flatMap((o) => ['--out', sh(o)]),
    ...s.inputs.flatMap((i) => ['--in', sh(i)]),
    ...(s.inputVerdicts ? ['--in-verdicts', sh(s.inputVerdicts.join(','))] : []),
    ...(s.allowDeprecated ? ['--allow-deprecated'] : []),
  ];
  return [...prologue(s, `stage ${s.stage}`), run.join(' '), ...epilogue(s)].join('\n');
}

export interface GateScript extends ScriptBase {
  spec: string;
  result: string;
}

export function gateScript(g: GateScript): string {
  const run = [provenant(), 'pipeline', 'gates', '--spec', sh(g.spec), '--stage', sh(g.stage), '--result', sh(g.result)];
  return [...prologue(g, `gates of stage ${g.stage}`), run.join(' '), ...epilogue(g)].join('\n');
}
