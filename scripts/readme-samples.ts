import { readFileSync, writeFileSync } from 'node:fs';
import { publishSamplesBlock, SAMPLES_END, SAMPLES_START } from './lib/publishSamples.js';

/** `npm run readme-samples`: rewrites the README's publishEvent samples from the event catalogue. */
const readme = readFileSync('README.md', 'utf8');
const start = readme.indexOf(SAMPLES_START);
const end = readme.indexOf(SAMPLES_END);
if (start < 0 || end < start) throw new Error('README.md has no publish-samples block');
writeFileSync('README.md', readme.slice(0, start) + publishSamplesBlock() + readme.slice(end + SAMPLES_END.length));
process.stdout.write('README.md: publishEvent samples rewritten\n');
