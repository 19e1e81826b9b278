/**
 * Diagnostics: the vocabulary and rules that health (monitor) and recovery share — failure types
 * and kinds, classification of any error, rule-based (and model-assisted) diagnosis with the fix
 * to run, detectors over the call ledger, and the small statistics they use. It imports neither
 * monitor nor recovery, so those two depend on it and never on each other in a circle.
 */
export { classifyFailure, fingerprint, errorFacts, normaliseMessage, type ErrorFacts } from './classify.js';
export {
  diagnose,
  diagnoseByRules,
  unreachableHint,
  pullCommand,
  startCommand,
  ModelDiagnosisSchema,
} from './diagnose.js';
export {
  detectAll,
  detectLatencyDegradation,
  detectRisingFailureRate,
  detectContextTruncation,
  type CallSample,
  type Finding,
  type DetectOptions,
} from './detect.js';
export { percentile, mean, round } from './math.js';
export * from './types.js';
