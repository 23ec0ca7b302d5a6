/**
 * Few-shot completion prompts for a base model, as the users' data step builds them: a short header, 3–4
 * examples chosen at random from a pool (each an instruction on one line and its completion on the next,
 * no role labels or "Instruction:" scaffolding), then the new instruction on its own line for the model
 * to complete. The choice is seeded per record, so a record's prompt depends only on the run's seed and
 * its line, and a resumed run builds the same prompts as an uninterrupted one. Also the critic's prompt:
 * a single-token A/B question whose log-probs judge a response.
 */

export interface Example {
  prompt: string;
  completion: string;
}

export const HEADER = 'Here are examples of prompts and their completions:';

/** The pool from the users' notes: maths, sentence completion, facts, creative writing, explanations. */
export const DEFAULT_EXAMPLES: readonly Example[] = [
  { prompt: 'The answer to "What is 2+2?" is:', completion: '4' },
  { prompt: 'Complete this sentence: The sun rises in the', completion: 'east' },
  { prompt: 'Here is a fact about dogs:', completion: 'Dogs are loyal and friendly companions to humans.' },
  { prompt: 'Write a short sentence about winter:', completion: 'Snow blankets the quiet landscape in pristine white.' },
  { prompt: 'Explain what photosynthesis is:', completion: 'Photosynthesis is the process by which plants convert sunlight into energy.' },
  { prompt: 'Name the largest planet in the solar system:', completion: 'Jupiter is the largest planet in the solar system.' },
  { prompt: 'Give a synonym for "happy":', completion: 'Joyful' },
  { prompt: 'Summarise why sleep matters in one sentence:', completion: 'Sleep lets the body repair itself and the brain consolidate memories.' },
];

/** A small deterministic generator (splitmix32), seeded from the run's seed and a record's key. */
export function seededRandom(...parts: number[]): () => number {
  let h = 0x9e3779b9;
  for (const p of parts) h = Math.imul(h ^ (p >>> 0), 0x85ebca6b) ^ (h >>> 13);
  return () => {
    h = (h + 0x9e3779b9) | 0;
    let z = h;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return ((z ^ (z >>> 15)) >>> 0) / 4294967296;
  };
}

export interface FewShotPrompt {
  prompt: string;
  /** Indexes into the pool, in prompt order. */
  examples: number[];
}

/** 3 or 4 distinct examples (fewer when the pool is smaller), then the instruction. */
export function fewShotPrompt(instruction: string, pool: readonly Example[], random: () => number): FewShotPrompt {
  const want = Math.min(pool.length, random() < 0.5 ? 3 : 4);
  const order = pool.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  const examples = order.slice(0, want);
  const shots = examples.map((i) => `${pool[i]?.prompt}\n${pool[i]?.completion}`);
  return { prompt: `${HEADER}\n\n${shots.join('\n\n')}\n\n${instruction.trim()}\n`, examples };
}

/** Completions end where the next example would start. */
export const FEW_SHOT_STOP = ['\n\n'];

export const CRITIC_OPTIONS = [' A', ' B'] as const;

/** The critic's question; " A" means the response is good. Raw text, as a base model reads it. */
export function criticPrompt(instruction: string, response: string): string {
  return [
    'Below is a request and a response. Decide whether the response answers the request well.',
    '',
    `Request: ${instruction.trim()}`,
    `Response: ${response.trim()}`,
    '',
    'Is the response a good answer to the request?',
    'A) Yes',
    'B) No',
    'Answer:',
  ].join('\n');
}
