/**
 * task-master-local as a library: the same core the CLI uses. Nothing here logs, exits or draws;
 * every effect is injected or lives behind `openProject`.
 */

// Types, enums and errors.
export * from './models/types.js';
export {
  AppError,
  ConfigError,
  ValidationError,
  ProviderError,
  StorageError,
  isAppError,
  isAbortError,
  type ErrorCode,
  type AppErrorOptions,
} from './errors.js';

// Configuration.
export { loadConfig, writeConfig, projectPaths, findProjectRoot, type ConfigOverrides } from './config/load.js';
export type { ResolvedConfig, LocalSection, RoleConfig, ModelEntry, Role, TaskMasterConfig } from './config/schema.js';
export { parseOllamaHost, isLocalHost, isLocalUrl } from './config/hosts.js';
export { ModelConfigurationManager, roleConfigFor, redactSecrets } from './models/config-manager.js';
export { ModelConfigFactory } from './models/config-factory.js';

// The model API.
export { UnifiedModelAPI, type UnifiedModelAPIOptions } from './models/unified-model-api.js';
export { ModelCatalog } from './models/catalog.js';
export { composeHooks } from './models/outcome.js';
export { createProvider, type ProviderOptions } from './models/providers/index.js';

// Storage.
export { openDatabase, writeTx, type DB } from './storage/db.js';

// Capabilities.
export { RecursivePRDProcessor } from './prd/processor.js';
export { parsePrd, type ParsePrdInput, type ParsePrdOutput } from './prd/run.js';
export * from './research/index.js';
export * from './optimize/index.js';
export * from './recovery/index.js';
export * from './monitor/index.js';
export * from './learning/index.js';
export { LearningRepo } from './storage/learning-repo.js';
export { readTasksFile, writeTag, type TasksFile } from './taskmaster/tasks-file.js';

// The application layer: the composition root, one use case per job, and the facade over them.
export { openProject, type Project, type OpenProjectOptions } from './application/project.js';
export type { RunControls } from './application/run-controls.js';
export { parsePrdUseCase, type ParsePrdOptions, type ParsePrdResult } from './application/parse-prd.js';
export { expandUseCase, type ExpandOptions, type ExpandResult } from './application/expand.js';
export {
  analyzeComplexityUseCase,
  type AnalyzeComplexityOptions,
  type AnalyzeComplexityResult,
} from './application/analyze-complexity.js';
export { complexityReportUseCase, type ComplexityReportResult } from './application/complexity-report.js';
export { openResearch, type OpenResearchOptions } from './application/open-research.js';
export { learningEngine } from './application/learning.js';
export { runSelfTest, type SelfTestResult, type SelfTestCase } from './application/self-test.js';
export { runResumer } from './application/resume-runs.js';
export {
  recoverListUseCase,
  recoverResolveUseCase,
  recoverRunUseCase,
  recoverStatusUseCase,
  type RecoverRunOptions,
  type RecoverRunResult,
} from './application/recover.js';
export {
  runValidation,
  type ValidationCheck,
  type ValidationReport,
  type ValidationOptions,
} from './application/validation.js';
export { addTaskUseCase, type AddTaskOptions, type AddTaskResult } from './application/task-add.js';
export {
  updateTaskUseCase,
  updateSubtaskUseCase,
  updateFromUseCase,
  type UpdateTaskOptions,
} from './application/task-update.js';
export { scopeUseCase, type ScopeOptions } from './application/task-scope.js';
export type { RewriteResult, RewrittenTask } from './application/task-rewrite.js';
export type { AppendResult } from './application/task-append.js';
export type { TaskEditCommon, TaskEditEvent } from './application/task-edit-common.js';
export {
  TaskMasterLocalSystem,
  DEFAULT_OPTIMIZATION_CRITERIA,
  DEFAULT_OPTIMIZATION_GOAL,
  type SystemOptions,
  type SystemStatus,
  type RequirementsOptions,
  type JudgedOptimizeOptions,
} from './application/system.js';
// The specification's classes whose methods run whole jobs (see docs/library.md).
export {
  SpecPRDProcessor,
  SpecRecoverySystem,
  totalTasks,
  type ProcessPrdOptions,
} from './application/spec-classes.js';
export { modelsImportUseCase, type ModelsImportResult } from './application/models-import.js';
export type { ImportOutcome } from './models/config-import.js';
export type { SpecModelConfig } from './models/config-manager.js';
