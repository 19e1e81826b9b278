/** Live progress of a run; commands turn these into views. */
export type PrdEvent =
  | { type: 'start'; chunks: number; model?: string; contextLength: number; resumable: number }
  | {
      type: 'node';
      path: string;
      parent?: string;
      title: string;
      depth: number;
      state: 'running' | 'done' | 'failed';
      origin?: 'model' | 'cache' | 'checkpoint';
      children?: number;
      model?: string;
      tokens?: number;
    }
  | { type: 'stats'; calls: number; tokens: number; cacheHits: number; resumed: number }
  | { type: 'structural'; reason: string };
