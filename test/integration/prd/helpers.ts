import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, projectPaths } from '../../../src/config/load.js';
import { UnifiedModelAPI } from '../../../src/models/unified-model-api.js';
import { openDatabase, type DB } from '../../../src/storage/db.js';
import { PrdRepo } from '../../../src/storage/prd-repo.js';

/** A temp project with a real SQLite file and the real model API pointed at `url` (or nowhere). */
export function project(url = 'http://127.0.0.1:9') {
  const root = mkdtempSync(join(tmpdir(), 'tml-prd-int-'));
  mkdirSync(join(root, '.taskmaster'), { recursive: true });
  const env = { OLLAMA_HOST: url, LM_STUDIO_HOST: 'http://127.0.0.1:9', LOCAL_AI_HOST: 'http://127.0.0.1:9' };
  const config = loadConfig({ cwd: root, env });
  const paths = projectPaths(root);
  const db: DB = openDatabase(paths.db);
  const api = new UnifiedModelAPI({ config, db, env, backoffMs: 1 });
  const repo = new PrdRepo(db);
  return {
    root,
    paths,
    db,
    api,
    repo,
    close: (): void => {
      db.close();
    },
  } as { root: string; paths: typeof paths; db: DB; api: UnifiedModelAPI; repo: PrdRepo; close: () => void };
}

/** A realistic small PRD. */
export const PRD = `# Bookmarks service

## Overview
A small self-hosted service to save and search web bookmarks.

## Features
### Accounts
Users sign up with email and password and log in.
- sign-up form with validation
- login with session cookie
- password reset by email

### Saving bookmarks
A browser extension and a web form save a URL with title and tags.

### Search
Full-text search over titles, tags and page text.

## Non-functional
- p95 search latency under 200 ms
- runs on a single small VM
`;
