/**
 * The autonomous research loop: answer the topic, find gaps (follow-up questions the findings
 * leave open), research them, repeat; stop when confidence stops improving or nothing is open;
 * end with recommendations. State is saved after every iteration, so a session resumes exactly.
 */
import { AppError, abortedError, isAbortError } from '../errors.js';
import { loadPrompt, toMessages } from '../prompting/index.js';
import { answersOffline } from './answer.js';
import type { ModelAPI } from '../models/types.js';
import type { ResearchSessionRepo } from '../storage/research-session-repo.js';
import {
  GapsSchema,
  LoopStateSchema,
  ProposedRecommendationsSchema,
  type Finding,
  type LoopState,
  type Recommendation,
} from './schemas.js';
import { contentTerms, sha256 } from './text.js';
import type { QueryOptions, ResearchAnswer, SearchOptions, SearchResult } from './types.js';

/** What the loop needs of the RAG system (LocalRAGSystem provides it). */
export interface LoopHost {
  readonly deps: { sessions: ResearchSessionRepo; api?: ModelAPI };
  readonly embedder: { readonly isOffline: boolean };
  researchQuery(question: string, opts?: QueryOptions): Promise<ResearchAnswer>;
  search(query: string, opts?: SearchOptions): Promise<SearchResult>;
  record(
    kind: 'query' | 'loop',
    question: string,
    a: Pick<ResearchAnswer, 'model' | 'embedder' | 'confidence' | 'usage' | 'durationMs'> & { passages: number },
    embedCalls?: number,
    sessionId?: string,
  ): void;
}

/** Options of autonomousResearchLoop(). */
export interface LoopOptions {
  /** Iterations to run now (for a resumed session: more iterations; default = what was left). */
  iterations?: number;
  resume?: string;
  /** Stop when an iteration raises overall confidence by less than this. */
  minGain?: number;
  /** Questions researched per iteration. */
  perIteration?: number;
  context?: string;
  signal?: AbortSignal;
}

/** A finished (or stopped) loop: findings, recommendations and the session to resume. */
export interface LoopResult {
  sessionId: string;
  topic: string;
  status: 'done' | 'stopped';
  iterations: number;
  confidence: number;
  history: number[];
  findings: Finding[];
  recommendations: Recommendation[];
  stopReason: string;
  models: string[];
  embedder: string;
}

const norm = (q: string) => contentTerms(q).sort().join(' ');
const mean = (xs: number[]) => (xs.length ? Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 100) / 100 : 0);

/** Runs or resumes a loop on `rag` (called through LocalRAGSystem.autonomousResearchLoop). */
export async function autonomousResearchLoop(
  rag: LoopHost,
  topicIn: string,
  opts: LoopOptions,
  clock: () => Date,
): Promise<LoopResult> {
  const t0 = performance.now();
  const sessions = rag.deps.sessions;
  let id: string;
  let state: LoopState;
  let done = 0;
  let max: number;
  let createdAt: string | undefined;
  if (opts.resume) {
    const row = sessions.get(opts.resume);
    if (!row)
      throw new AppError('NOT_FOUND', `no research session ${opts.resume}`, {
        hint: 'list them with `research sessions`',
      });
    const parsed = LoopStateSchema.safeParse(JSON.parse(row.state));
    if (!parsed.success)
      throw new AppError('STORAGE', `research session ${row.id} has unreadable state`, {
        hint: 'start a new loop instead',
      });
    ({ id, iterations_done: done, created_at: createdAt } = row);
    state = parsed.data;
    max = opts.iterations !== undefined ? done + opts.iterations : row.max_iterations;
    state.stopReason = undefined;
  } else {
    const topic = topicIn.trim();
    if (!topic)
      throw new AppError('VALIDATION', 'the research topic is empty', { hint: 'research "<topic>" --loop <n>' });
    id = `rs-${clock().toISOString().replace(/\D/g, '').slice(0, 14)}-${sha256(topic).slice(0, 6)}`;
    state = { topic, findings: [], asked: [], queue: [topic], history: [] };
    max = opts.iterations ?? 3;
  }
  const models = new Set<string>();
  let embedder = '';
  let calls = 0;
  const tokens = { promptTokens: 0, completionTokens: 0 };
  // The state as last saved: an interrupted iteration is dropped whole, so a resume repeats it exactly.
  let saved = { json: JSON.stringify(state), done, confidence: state.history.at(-1) ?? null };
  const save = (status: 'running' | 'done' | 'stopped') => {
    if (status !== 'stopped') saved = { json: JSON.stringify(state), done, confidence: state.history.at(-1) ?? null };
    sessions.save({
      id,
      topic: state.topic,
      status,
      iterations_done: saved.done,
      max_iterations: max,
      confidence: saved.confidence,
      state: saved.json,
      created_at: createdAt ?? clock().toISOString(),
      updated_at: clock().toISOString(),
    });
  };
  try {
    return await iterate();
  } catch (e) {
    if (!isAbortError(e) && !opts.signal?.aborted) throw e;
    save('stopped');
    throw abortedError(
      opts.signal,
      `research loop interrupted after ${saved.done} of ${max} iterations; session ${id} kept`,
      `continue it with \`task-master-local research --resume ${id}\``,
      { sessionId: id, iterations: saved.done },
    );
  }

  async function iterate(): Promise<LoopResult> {
    while (done < max) {
      if (!state.queue.length) {
        const g = await findGaps(rag, state, opts);
        calls += g.calls;
        state.queue.push(...g.questions.filter((q) => !state.asked.includes(norm(q))));
        if (!state.queue.length) {
          state.stopReason = 'no open questions left';
          break;
        }
      }
      for (const q of state.queue.splice(0, opts.perIteration ?? 2)) {
        const a = await rag.researchQuery(q, { context: opts.context, signal: opts.signal, noRecord: true });
        if (a.model) models.add(a.model);
        embedder = a.embedder.model;
        calls += a.usage.calls;
        tokens.promptTokens += a.usage.promptTokens;
        tokens.completionTokens += a.usage.completionTokens;
        state.asked.push(norm(q));
        state.findings.push({ question: q, answer: a.answer, confidence: a.confidence, citations: a.citations });
      }
      done++;
      state.history.push(mean(state.findings.map((f) => f.confidence)));
      save('running');
      const [prev, last] = [state.history.at(-2), state.history.at(-1)!];
      if (prev !== undefined && last - prev < (opts.minGain ?? 0.02)) {
        state.stopReason = `confidence stopped improving (${prev.toFixed(2)} → ${last.toFixed(2)})`;
        break;
      }
    }
    state.stopReason ??= `reached ${max} iterations`;
    const rec = await recommend(rag, state, opts.signal);
    calls += rec.calls;
    if (rec.model) models.add(rec.model);
    state.recommendations = rec.recommendations;
    save('done');
    const confidence = state.history.at(-1) ?? 0;
    rag.record(
      'loop',
      state.topic,
      {
        passages: new Set(state.findings.flatMap((f) => f.citations.map((c) => `${c.source}:${c.lines}`))).size,
        model: [...models][0] ?? null,
        embedder: { model: embedder || 'none', offline: rag.embedder.isOffline },
        confidence,
        usage: { calls, ...tokens },
        durationMs: Math.round(performance.now() - t0),
      },
      0,
      id,
    );
    return {
      sessionId: id,
      topic: state.topic,
      status: 'done',
      iterations: done,
      confidence,
      history: state.history,
      findings: state.findings,
      recommendations: state.recommendations,
      stopReason: state.stopReason,
      models: [...models],
      embedder,
    };
  }
}

function findingsText(findings: readonly Finding[]): string {
  return findings
    .map(
      (f, i) =>
        `${i + 1}. Q: ${f.question}\n   A: ${f.answer.slice(0, 800)}\n   confidence ${f.confidence.toFixed(2)}; sources: ${[...new Set(f.citations.map((c) => c.source))].join(', ') || 'none'}`,
    )
    .join('\n');
}

// Gaps from the model when one answers; otherwise sections near the topic that no finding cited yet.
async function findGaps(
  rag: LoopHost,
  state: LoopState,
  opts: LoopOptions,
): Promise<{ questions: string[]; calls: number }> {
  const api = rag.deps.api;
  if (api) {
    try {
      const p = loadPrompt('research-gaps', {
        topic: state.topic,
        findings: findingsText(state.findings),
        max_questions: 3,
      });
      const a = await api.generateObject(
        { type: 'RESEARCH', messages: toMessages(p), promptId: p.id, component: 'research', signal: opts.signal },
        GapsSchema,
      );
      return { questions: a.value.questions.map((q) => q.trim()).filter(Boolean), calls: 1 };
    } catch (e) {
      if (!answersOffline(e)) throw e;
    }
  }
  const cited = new Set(state.findings.flatMap((f) => f.citations.map((c) => `${c.source}:${c.lines}`)));
  const found = await rag.search(state.topic, { k: 12, signal: opts.signal });
  const questions = found.passages
    .filter((p) => p.heading && !cited.has(`${p.source}:${p.lines}`))
    .map((p) => `${state.topic}: ${p.heading}`)
    .filter((q, i, all) => all.indexOf(q) === i && !state.asked.includes(norm(q)))
    .slice(0, 3);
  return { questions, calls: 0 };
}

async function recommend(
  rag: LoopHost,
  state: LoopState,
  signal?: AbortSignal,
): Promise<{ recommendations: Recommendation[]; calls: number; model?: string }> {
  const findings = state.findings;
  const sourcesOf = (idx: number[]) => [
    ...new Set(idx.flatMap((i) => findings[i - 1]?.citations.map((c) => c.source) ?? [])),
  ];
  const api = rag.deps.api;
  if (api && findings.length) {
    try {
      const p = loadPrompt('research-recommend', {
        topic: state.topic,
        findings: findingsText(findings),
        max_recommendations: 5,
      });
      const a = await api.generateObject(
        { type: 'RESEARCH', messages: toMessages(p), promptId: p.id, component: 'research', signal },
        ProposedRecommendationsSchema,
      );
      const recommendations = a.value.recommendations.map((r) => {
        const idx = [...new Set(r.sources)].filter((n) => n >= 1 && n <= findings.length);
        // the model proposes; the confidence is the evidence's: mean confidence of the cited findings
        return {
          action: r.action,
          rationale: r.rationale,
          confidence: mean(idx.map((i) => findings[i - 1]!.confidence)),
          sources: sourcesOf(idx),
        };
      });
      return { recommendations, calls: 1, model: a.model.alias ?? a.model.model };
    } catch (e) {
      if (!answersOffline(e)) throw e;
    }
  }
  const best = findings
    .map((f, i) => ({ f, i: i + 1 }))
    .filter((x) => x.f.citations.length)
    .sort((a, b) => b.f.confidence - a.f.confidence)
    .slice(0, 3);
  const recommendations = best.map(({ f, i }) => ({
    action: `Act on the findings for "${f.question}" (see ${sourcesOf([i]).join(', ')})`,
    rationale: `${f.answer.slice(0, 400)} (extractive: no model was reachable to write recommendations)`,
    confidence: f.confidence,
    sources: sourcesOf([i]),
  }));
  return { recommendations, calls: 0 };
}
