#!/usr/bin/env node
// Kept tiny on purpose: cold start is a product feature. Everything else loads lazily.
import('../dist/commands/cli.js').then((m) => m.run(process.argv));
