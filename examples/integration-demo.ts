/**
 * The specification's complete integration example, step by step, then one step per section of its
 * usage examples, in TypeScript against this library. Runs in a fresh temporary project against
 * whatever local server the environment points to (OLLAMA_HOST, LM_STUDIO_HOST, LOCAL_AI_HOST), prints
 * each step's result, and exits 1 if any step failed. `npm run demo` builds and runs it.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CachedPerformanceMonitor,
  DeploymentMode,
  FailureType,
  LocalLLMFitnessEvaluator,
  ModelConfigFactory,
  ModelProvider,
  ModelTier,
  SeverityLevel,
  TaskMasterLocalSystem,
  TaskType,
  learningEngine,
  optimize,
  runValidation,
} from '../src/index.js';

const PRD = `# AI-Powered Task Management System
Build an intelligent task management system with local LLM capabilities.

## Requirements
1. Automated task decomposition
2. Intelligent prioritization
3. Performance monitoring
4. Autonomous error recovery
`;

type Step = { name: string; run: () => Promise<string> };

const steps: Step[] = [];
const step = (name: string, run: () => Promise<string>) => steps.push({ name, run });
const pct = (x: number | null | undefined) => `${Math.round((x ?? 0) * 1000) / 10}%`;
function must(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

async function main(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'tml-demo-'));
  mkdirSync(join(dir, '.taskmaster', 'docs'), { recursive: true });
  // Small runs, so the demo finishes in minutes on a laptop model.
  const small = { populationSize: 4, maxGenerations: 2, seed: 7 };
  let system!: TaskMasterLocalSystem;
  let mainModel = '';

  // The complete integration example.
  step('initialize the system', async () => {
    system = await TaskMasterLocalSystem.initialize({ cwd: dir });
    const s = await system.status();
    mainModel = s.roles.main.ref?.model ?? '';
    must(mainModel, `no main model: ${s.roles.main.skipped ?? 'no server answered'}`);
    const up = s.servers.filter((x) => x.ok).map((x) => `${x.kind} ${x.endpoint}`);
    return `mode ${s.mode}; servers up: ${up.join(', ') || 'none'}; main model ${mainModel}`;
  });
  step('process project requirements (PRD text)', async () => {
    const r = await system.processProjectRequirements(PRD);
    must(r.totalTasks > 0 && !r.structural, r.structural?.reason ?? 'no tasks');
    return `generated ${r.totalTasks} tasks (${r.tasks.length} top-level) into ${r.tasksPath}`;
  });
  step('research a topic with a context', async () => {
    const r = await system.researchTopic(
      'Best practices for local LLM integration',
      'Building autonomous task management system',
    );
    must('answer' in r && r.answer.trim(), 'empty answer');
    return `confidence ${r.confidence}; ${r.answer.trim().split('\n')[0]!.slice(0, 90)}`;
  });
  step('optimize a configuration (default local-model judge)', async () => {
    const r = await system.optimizeConfiguration(
      {
        targetParameters: { batch_size: 32, timeout: 60 },
        parameterRanges: {
          batch_size: { type: 'int', min: 1, max: 100 },
          timeout: { type: 'int', min: 10, max: 300 },
        },
      },
      undefined,
      small,
    );
    must(r.best_individual, `no configuration was judged (${r.failures} failed evaluations)`);
    return `best ${JSON.stringify(r.best_individual.genome)} fitness ${r.best_individual.fitness} (${r.evaluations} judged)`;
  });
  step('autonomous improvement cycle', async () => {
    const r = await system.autonomousImprovementCycle();
    return `${r.experiences} experiences, ${r.proposals.length} proposals${r.set !== undefined ? ` (set ${r.set})` : ''}`;
  });
  step('health check', async () => {
    const r = await system.healthCheck();
    must(r.overallStatus !== 'unhealthy', `unhealthy: ${JSON.stringify(r.checks.filter((c) => c.status === 'fail'))}`);
    return `system status: ${r.overallStatus}`;
  });

  // One step per usage-example section.
  step('basic setup: add models to the API, set the deployment mode', async () => {
    const api = system.api;
    const endpoint = (await system.status()).roles.main.ref?.endpoint;
    const caps = { capabilities: [TaskType.GENERAL, TaskType.ANALYSIS], ...(endpoint ? { endpoint } : {}) };
    api.addModel('ollama-main', ModelConfigFactory.createOllamaConfig(mainModel, caps));
    const a = await api.generateText({
      type: TaskType.GENERAL,
      model: 'ollama-main',
      messages: [{ role: 'user', content: 'In one sentence: what is a task dependency?' }],
      component: 'demo',
    });
    const mode = system.modelConfigurationManager().setDeploymentMode(DeploymentMode.LOCAL_ONLY);
    return `ollama-main answered through ${a.model.alias}; mode saved: ${mode}`;
  });
  step('recursive task breakdown: processPrd, exportToTaskmasterFormat', async () => {
    const processor = system.recursivePRDProcessor();
    const r = await processor.processPrd(PRD, { maxDepth: 3 });
    must(r.totalTasks > 0, 'no tasks');
    const path = processor.exportToTaskmasterFormat('.taskmaster/tasks/exported-tasks.json');
    return `generated ${r.totalTasks} tasks; exported to ${path}`;
  });
  step('local research: knowledge, a query with context, a research loop', async () => {
    const rag = system.localRAGSystem();
    await rag.addExternalKnowledge(
      'Autonomous Systems Best Practices',
      'Autonomous systems keep a human override, log every decision, bound retries, and recover from failures by replaying the failed step.',
      'domain_expertise',
    );
    const q = await rag.researchQuery('How to implement recursive task decomposition?', {
      context: 'Building autonomous task management system',
    });
    const loop = await rag.autonomousResearchLoop('Optimize local LLM performance for task management', 2);
    return `query confidence ${q.confidence}; loop ${loop.iterations} iterations, ${loop.recommendations.length} recommendations`;
  });
  step('evolutionary optimization: a local-model fitness evaluator', async () => {
    const ranges = {
      batch_size: { type: 'int' as const, min: 1, max: 100 },
      timeout: { type: 'int' as const, min: 10, max: 300 },
      max_concurrent: { type: 'int' as const, min: 1, max: 16 },
      cache_enabled: { type: 'bool' as const },
    };
    const judge = new LocalLLMFitnessEvaluator(system.api, {
      evaluationCriteria: 'Optimize for: response time, accuracy, resource efficiency, and maintainability',
      optimizationGoal: 'Maximize system performance',
      ranges,
    });
    const r = await optimize({ batch_size: 32, timeout: 60, max_concurrent: 4, cache_enabled: true }, ranges, {
      fitness: { evaluator: judge.evaluator() },
      config: {
        ...small,
        populationSize: small.populationSize,
        maxGenerations: small.maxGenerations,
        mutationRate: 0.1,
      },
    });
    must(r.best, 'no genome was judged');
    return `best configuration ${JSON.stringify(r.best.genome)} fitness ${r.best.fitness}`;
  });
  step('meta-learning: record an experience, get recommendations', async () => {
    const engine = learningEngine(system.project);
    await engine.recordExperience({
      taskType: 'task_decomposition',
      source: 'manual',
      context: { domainWords: ['technical'], estimatedComplexity: 8 },
      action: { strategy: 'recursive_breakdown', depth: 3 },
      outcome: { success: true, schemaValid: true, latencyMs: 1200 },
    });
    const r = await engine.getRecommendations('task_decomposition', {
      domainWords: ['technical'],
      estimatedComplexity: 5,
    });
    must(r.neighbours > 0, 'no similar experience found');
    return `${r.neighbours} similar experiences, ${r.recommendations.length} recommendations`;
  });
  step('failure recovery: report, status, self-test', async () => {
    const recovery = system.failureRecoverySystem();
    const id = await recovery.reportFailure(
      FailureType.PERFORMANCE_DEGRADATION,
      'High response time detected in task processing',
      { responseTime: 45.2, threshold: 30.0 },
      SeverityLevel.MEDIUM,
    );
    const s = recovery.getRecoveryStatus();
    const t = await recovery.testRecoverySystem();
    must(t.recoverySuccessful, 'the recovery self-test failed');
    return `failure ${id} reported; recovery rate ${pct(s.recoveryRate)}, active ${s.activeFailures}; self-test PASS`;
  });
  step('performance monitoring: a monitored operation, combined stats', async () => {
    const monitor = new CachedPerformanceMonitor(system.project.db());
    const session = monitor.monitoredOperation('task_processing', 'decomposition');
    const t0 = performance.now();
    const r = await system.recursivePRDProcessor().processPrd(PRD, { maxDepth: 1 });
    session.addMetric('tasks_generated', r.totalTasks, 'count');
    session.addMetric('processing_rate', r.totalTasks / Math.max((performance.now() - t0) / 1000, 0.001), 'tasks/sec');
    session.end(true);
    const stats = monitor.getCombinedStats();
    return `cache hit rate ${pct(stats.totals.cache_hit_rate)}; ${stats.components.length} components timed, ${stats.totals.calls} model calls`;
  });
  step('testing and validation: runValidation', async () => {
    const r = await runValidation({ cwd: dir });
    must(
      r.testSummary.overallStatus !== 'unhealthy',
      `unhealthy: ${r.checks.filter((c) => c.status === 'fail').map((c) => c.name)}`,
    );
    return `${pct(r.testSummary.successRate)} success rate; status ${r.testSummary.overallStatus}`;
  });
  step('configuration management: mode, a custom model, export and import', async () => {
    const manager = system.modelConfigurationManager();
    manager.setDeploymentMode(DeploymentMode.LOCAL_PREFERRED);
    manager.addModelConfiguration(
      'custom_model',
      {
        provider: ModelProvider.OLLAMA,
        modelName: 'custom-llama',
        endpoint: 'http://localhost:11434',
        capabilities: [TaskType.SPECIALIZED],
      },
      ModelTier.SPECIALIZED,
    );
    const path = manager.exportConfiguration(join(dir, 'my_config.json'));
    const back = await system.importConfiguration(path);
    must(back.aliases.includes('custom_model'), 'the export did not carry the custom model');
    manager.setDeploymentMode(DeploymentMode.LOCAL_ONLY);
    return `exported to ${path} and imported back (${back.aliases.length} aliases, ${back.keptRoles.length} roles kept)`;
  });

  let failed = 0;
  try {
    for (const [i, s] of steps.entries()) {
      const t0 = performance.now();
      try {
        const what = await s.run();
        console.log(`step ${i + 1}/${steps.length} ${s.name}: ok (${Math.round(performance.now() - t0)} ms) — ${what}`);
      } catch (e) {
        failed++;
        console.log(`step ${i + 1}/${steps.length} ${s.name}: FAILED — ${(e as Error).message}`);
        // Nothing after a failed initialisation can run.
        if (i === 0) break;
      }
    }
  } finally {
    system?.close();
    if (!process.env.TML_DEMO_KEEP) rmSync(dir, { recursive: true, force: true });
  }
  console.log(failed ? `demo: ${failed} of ${steps.length} steps failed` : `demo: all ${steps.length} steps passed`);
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`demo: ${(e as Error).stack ?? e}`);
    process.exit(1);
  },
);
