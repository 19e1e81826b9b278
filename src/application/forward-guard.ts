/**
 * The guard in front of task-master: a forwarded command that would call a model runs only when
 * every model task-master's roles name (main, research, fallback) is allowed by the deployment mode.
 * Otherwise it is refused before task-master starts, naming the role, the model and the setting.
 * Commands that call no model are forwarded without loading anything.
 */
import { join } from 'node:path';
import { AppError } from '../errors.js';
import { privacyOf } from '../models/catalog.js';
import { judgeTaskMasterRoles, type TaskMasterRoleUse } from '../models/taskmaster-roles.js';
import { readTextFileIfExists } from '../util/fs.js';
import type { Project } from './project.js';

import { TASK_MASTER_AGENT_COMMANDS } from './forward-commands.js';

export { TASK_MASTER_AI_COMMANDS, TASK_MASTER_AGENT_COMMANDS, forwardCallsModel } from './forward-commands.js';

export interface ForwardGuardResult {
  command: string;
  roles: TaskMasterRoleUse[];
}

/**
 * Judges task-master's three roles for a forwarded AI command; throws PRIVACY_REFUSED (exit 3) on
 * the first role the mode forbids. Opens no database and no socket.
 */
export function forwardGuardUseCase(
  project: Project,
  options: { args: readonly string[]; env?: NodeJS.ProcessEnv },
): ForwardGuardResult {
  const command = options.args.find((a) => !a.startsWith('-')) ?? '';
  const dotEnv = parseDotEnv(readTextFileIfExists(join(project.config.projectRoot, '.env')) ?? '');
  const env = options.env ?? process.env;
  // task-master reads the project's .env before the process environment.
  const lookupEnv = (name: string) => dotEnv[name] || env[name] || undefined;
  const privacy = privacyOf(project.config);
  if (TASK_MASTER_AGENT_COMMANDS.includes(command) && privacy.mode === 'LOCAL_ONLY') {
    throw new AppError(
      'PRIVACY_REFUSED',
      `refused: task-master's '${command}' launches Claude Code (Anthropic's hosted models), and mode LOCAL_ONLY (set by ${privacy.modeSource}) allows only local models`,
      {
        hint: `run it with task-master directly if you accept that, or choose another mode with \`task-master-local models --mode HYBRID\``,
        details: { command, mode: privacy.mode, modeSource: privacy.modeSource },
      },
    );
  }
  const roles = judgeTaskMasterRoles(project.config, privacy, lookupEnv);
  const refused = roles.find((r) => !r.allowed);
  if (refused) {
    const model = `${refused.provider} ${refused.modelId}${refused.configured ? '' : ", task-master's default: config.json names no such role"}`;
    const rule =
      privacy.mode === 'LOCAL_ONLY'
        ? 'allows only local models'
        : privacy.mode === 'EXTERNAL_ONLY'
          ? 'allows only external models'
          : 'forbids it';
    throw new AppError(
      'PRIVACY_REFUSED',
      `refused: task-master's '${command}' would call role ${refused.role} (${model}), and mode ${privacy.mode} (set by ${privacy.modeSource}) ${rule}: ${refused.why}`,
      {
        hint:
          privacy.mode === 'LOCAL_ONLY'
            ? `point the role at a local model (\`task-master-local models --set-${refused.role} <ollama or openai-compatible model>\`), or choose another mode with \`task-master-local models --mode HYBRID\``
            : `point the role at another model (\`task-master-local models --set-${refused.role} <model>\`), or choose another mode with \`task-master-local models --mode HYBRID\``,
        details: {
          command,
          role: refused.role,
          provider: refused.provider,
          model: refused.modelId,
          endpoint: refused.endpoint,
          mode: privacy.mode,
          modeSource: privacy.modeSource,
        },
      },
    );
  }
  return { command, roles };
}

/** KEY=value lines of a .env file (comments, `export`, quotes), as task-master's dotenv reads them. */
function parseDotEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([\w.-]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m) continue;
    let v = m[2]!;
    const q = /^(['"`])(.*)\1$/.exec(v);
    if (q) v = q[2]!;
    else v = v.replace(/\s+#.*$/, '');
    out[m[1]!] = v;
  }
  return out;
}
