import { run } from './lib.mjs';
import { fullFlow } from './flow.mjs';

// The learner journey in English (see flow.mjs).
await run(() => fullFlow('en'));
