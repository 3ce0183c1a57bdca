import { run } from './lib.mjs';
import { fullFlow } from './flow.mjs';

// The learner journey in Bahasa Indonesia (see flow.mjs).
await run(() => fullFlow('id'));
