/**
 * `provenant run`: runs a command and stamps what it wrote.
 */

import { UserError } from '../../core/errors.js';
import { pipelineStageKey, readParameters, runAndStamp } from '../../index.js';
import { commandArgs, type Io } from '../io.js';

export const HELP = `provenant run [--out PATH]… [--in PATH]… [--allow-deprecated] [--allow-findings] -- CMD ARGS…

Runs CMD without a shell, streaming its output. When it exits 0, every --out (file or folder) gets a
stamp, <out>.prov.json: digests, record counts, the producer script with its registry status and audit
result, argv, environment, git commit and dirty paths, input stamps, QC results, and whatever the
sanctioned loader attested through the file named by $PROVENANT_ATTEST.

  --out PATH            a file or folder the command writes (repeatable, at least one)
  --in PATH             a file or folder the command reads (repeatable); its stamp is linked
  --allow-deprecated    run a producer script the registry marks deprecated
  --allow-findings      run a producer script with error-level audit findings
  --in-verdicts LIST    verify every --in first; refuse unless each is one of these verdicts (ok,unstamped,…)
  --stage FILE          a pipeline job's stage (spec, id, smoke), whose command comes from the spec
                        (give none after --): its key is computed now, from the
                        inputs as they are, and recorded as the stamps' pipeline parameters; a failed
                        QC exits 0 (stamped), as the stage's dependents check their inputs themselves
  --parameters FILE     a JSON object recorded in every stamp beside argv (e.g. the experiment a run
                        belongs to)

Exit: the command's own code when it fails (nothing stamped), 1 when provenant refuses to run it,
1 when an output fails its QC policy (stamped, and \`verify\` says failed-qc), 0 otherwise.
`;

export async function run(args: string[], io: Io): Promise<number> {
  const split = args.indexOf('--');
  const own = split === -1 ? args : args.slice(0, split);
  const argv = split === -1 ? [] : args.slice(split + 1);
  const parsed = commandArgs('run', own, {
    out: { type: 'string', multiple: true },
    in: { type: 'string', multiple: true },
    'allow-deprecated': { type: 'boolean' },
    'allow-findings': { type: 'boolean' },
    parameters: { type: 'string' },
    'in-verdicts': { type: 'string' },
    stage: { type: 'string' },
  }, io, HELP);
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  if (positionals.length) throw new UserError(`run: put the command after \`--\` (got ${positionals.join(' ')})`, { hint: 'provenant run --out data.jsonl -- python make.py' });
  const warn = (m: string): void => void io.stderr.write(`provenant: warning: ${m}\n`);
  const stage = values.stage ? await pipelineStageKey(values.stage, { cwd: io.cwd, env: io.env, warn }) : null;
  if (stage && argv.length) throw new UserError('run --stage takes the command from the pipeline spec: give no command after --');
  if (stage?.upToDate) {
    io.stderr.write(`provenant: stage ${stage.key.stage} is up to date (its outputs carry this stage key); nothing to run\n`);
    return 0;
  }
  const result = await runAndStamp({
    argv: stage ? stage.key.argv : argv,
    cwd: io.cwd,
    env: io.env,
    outputs: values.out ?? [],
    inputs: values.in ?? [],
    allowDeprecated: Boolean(values['allow-deprecated']),
    allowFindings: Boolean(values['allow-findings']),
    ...(values['in-verdicts'] ? { inputVerdicts: values['in-verdicts'].split(',').map((v) => v.trim()) } : {}),
    ...(values.parameters || stage ? { parameters: { ...(values.parameters ? readParameters(values.parameters, io.cwd) : {}), ...(stage ? { pipeline: stage.key } : {}) } } : {}),
    warn,
  });
  if (result.kind === 'refused') {
    for (const reason of result.reasons) io.stderr.write(`provenant: refused: ${reason}\n`);
    return 1;
  }
  if (result.kind === 'failed') {
    io.stderr.write(`provenant: the command ${result.signal ? `was killed by ${result.signal}` : `exited ${result.exitCode}`}; nothing was stamped\n`);
    return result.exitCode;
  }
  const signed = result.signedBy ? `, signed by ${result.signedBy}` : '';
  for (const s of result.stamps) io.stderr.write(`provenant: stamped ${s.artifact} → ${s.sidecar}${signed}${s.qcPassed ? '' : ' (QC FAILED)'}\n`);
  // a pipeline job succeeds once its outputs are stamped: the next stage's input check refuses a failed QC
  return result.stamps.every((s) => s.qcPassed) || values.stage ? 0 : 1;
}
