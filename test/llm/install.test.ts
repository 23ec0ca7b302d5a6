/**
 * The documented slim install (`npm install node-llama-cpp @node-llama-cpp/linux-x64 --omit=optional`) works
 * because the runtime never builds: it loads the prebuilt binary of the platform package. This checks that on
 * the real node-llama-cpp: the binary is the prebuilt one, it comes from the platform package the README names,
 * and no GPU backend was probed.
 */
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/exec.js';

const linuxX64 = process.platform === 'linux' && process.arch === 'x64';

describe.runIf(linuxX64)('the slim install path (linux-x64)', () => {
  it('getLlama({ build: "never", gpu: false }) runs the prebuilt binary of @node-llama-cpp/linux-x64', async () => {
    const { getLlama } = await import('node-llama-cpp');
    const llama = await getLlama({ build: 'never', gpu: false, logLevel: 'error' as never });
    try {
      expect(llama.buildType).toBe('prebuilt');
      expect(llama.gpu).toBe(false);
    } finally {
      await llama.dispose();
    }
    // the platform package, found the way node-llama-cpp finds it (from its own folder)
    const fromLlama = createRequire(createRequire(path.join(REPO, 'package.json')).resolve('node-llama-cpp'));
    const entry = fromLlama.resolve('@node-llama-cpp/linux-x64');
    expect(entry).toContain(`${path.sep}@node-llama-cpp${path.sep}linux-x64${path.sep}`);
    expect(existsSync(path.join(entry.slice(0, entry.indexOf(`linux-x64${path.sep}`) + 'linux-x64'.length), 'bins'))).toBe(true);
  });

  it('the README documents exactly that install command', () => {
    const readme = readFileSync(path.join(REPO, 'README.md'), 'utf8');
    expect(readme).toContain('npm install node-llama-cpp @node-llama-cpp/linux-x64 --omit=optional');
  });
});
