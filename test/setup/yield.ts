import { afterEach } from 'vitest';

// Most tests drive the CLI with spawnSync, which blocks this worker's event loop. A file of such tests run
// back to back never lets the loop read vitest's own messages, and after a minute its RPC calls time out
// ("Timeout calling onTaskUpdate") although every test passed. One turn of the event loop after each test
// lets those messages through.
afterEach(async () => {
  await new Promise((resolve) => setTimeout(resolve, 1));
});
