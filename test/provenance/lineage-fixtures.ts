/**
 * Stamped artifacts for the lineage, log and rebuild tests, made by the real `provenant run` machinery
 * (runAndStamp) in a real git repository, so the stamps, sidecars and ledger rows are the ones users get.
 */
import { runAndStamp } from '../../src/provenance/run.js';
import { makeGitDir, type GitDir } from '../helpers/gitdir.js';

/** A git repository with a provenant.toml (its body given) committed. */
export function stampProject(config = ''): GitDir {
  return makeGitDir({ 'provenant.toml': config, 'README.md': 'data lab\n' });
}

/**
 * Runs `sh -c script` in the project through runAndStamp, stamping `outs` with `ins` as inputs; fails the
 * test when the run does not stamp.
 */
export async function stamp(dir: GitDir, script: string, outs: string[], ins: string[] = []): Promise<void> {
  const warnings: string[] = [];
  const result = await runAndStamp({
    argv: ['sh', '-c', script],
    cwd: dir.root,
    outputs: outs,
    inputs: ins,
    env: { ...process.env, PROVENANT_SIGNING_KEY: undefined },
    warn: (m) => warnings.push(m),
  });
  if (result.kind !== 'stamped') throw new Error(`runAndStamp did not stamp: ${JSON.stringify(result)} ${warnings.join('; ')}`);
}
