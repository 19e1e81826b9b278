#!/usr/bin/env node
// A fake trainer for `finetune train` tests: reads {dataset}/train.jsonl, prints mlx-lm-like progress
// lines, and writes the adapter prepared in FAKE_TRAINER_ADAPTER to {output}.
// Usage: node fake-trainer.mjs <dataset-dir> <output-path>
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [dataset, output] = process.argv.slice(2);
const n = readFileSync(join(dataset, 'train.jsonl'), 'utf8').split('\n').filter(Boolean).length;
console.log(`Loading dataset: ${n} train examples`);
for (let i = 1; i <= 3; i++) console.log(`Iter ${i}: Train loss ${(2.5 / i).toFixed(3)}, It/sec 12.0`);
copyFileSync(process.env.FAKE_TRAINER_ADAPTER, output);
console.error(`Saved adapter to ${output}`);
