/** zod schemas of the research module: model answers, recommendations and stored loop state. */
import { z } from 'zod';

/** The self-check a model makes of an answer against the passages it cites. */
export const SelfCheckSchema = z.object({
  verdict: z.enum(['supported', 'partial', 'unsupported']),
  unsupported_claims: z.array(z.string()).max(10),
});

/** Follow-up questions the loop should research next. */
export const GapsSchema = z.object({
  questions: z.array(z.string().min(3).max(300)).max(5),
});

/** What the model proposes; `sources` are finding numbers, confidence is computed by code. */
export const ProposedRecommendationsSchema = z.object({
  recommendations: z
    .array(
      z.object({
        action: z.string().min(3).max(400),
        rationale: z.string().min(3).max(1200),
        sources: z.array(z.number().int()).max(10),
      }),
    )
    .max(8),
});

/** A final recommendation of a research loop. */
export const RecommendationSchema = z.object({
  action: z.string(),
  rationale: z.string(),
  confidence: z.number().min(0).max(1),
  /** Source names (files or notes) the recommendation rests on. */
  sources: z.array(z.string()),
});
/** A final recommendation. */
export type Recommendation = z.infer<typeof RecommendationSchema>;

const CitationSchema = z.object({ n: z.number().int(), source: z.string(), lines: z.string(), text: z.string() });

/** One answered question of a loop. */
export const FindingSchema = z.object({
  question: z.string(),
  answer: z.string(),
  confidence: z.number().min(0).max(1),
  citations: z.array(CitationSchema),
});
/** One answered loop question. */
export type Finding = z.infer<typeof FindingSchema>;

/** The JSON state of a research loop session, as stored after every iteration. */
export const LoopStateSchema = z.object({
  topic: z.string(),
  findings: z.array(FindingSchema),
  /** Questions asked so far (normalised), so gaps are never researched twice. */
  asked: z.array(z.string()),
  /** Questions waiting to be researched. */
  queue: z.array(z.string()),
  /** Overall confidence after each iteration. */
  history: z.array(z.number()),
  recommendations: z.array(RecommendationSchema).optional(),
  stopReason: z.string().optional(),
});
/** Stored loop state. */
export type LoopState = z.infer<typeof LoopStateSchema>;
