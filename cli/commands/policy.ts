/**
 * `cordon policy validate` and `cordon policy test`: prove offline what a policy will do before deploying it.
 * The command handlers are thin; the work is in the exported functions, which return what to print and the
 * exit code so that tests can call them directly.
 */
import type { Command } from 'commander';
import { PolicyValidationError, UnsupportedEventError } from '../../functions/lib/errors.js';
import {
  emit,
  EXIT_NEGATIVE,
  EXIT_OK,
  EXIT_USAGE,
  exitStatusHelp,
  guarded,
  InputError,
  processIo,
  readJsonFile,
  requirePolicyPaths,
  type CommandOutput,
} from '../kit.js';
import { evaluatePolicy, loadPolicy } from '../../functions/lib/policy/index.js';
import type { CompiledPolicy, Decision } from '../../functions/lib/policy/model.js';
import type { Finding } from '../../functions/lib/findings/model.js';
import { parseCordonEvent, type CordonEvent } from '../../functions/lib/findings/index.js';
import { loadRuleFiles, rulesReachedBy } from '../../functions/lib/eventbridge/rules.js';
import { registerCoverageCommand } from './coverage.js';

export type { CommandOutput };

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/**
 * `cordon policy validate`: exit 0 with a one-line summary, or exit 1 with one `file:line:col: message` line per
 * issue. A policy path that does not exist is bad input (exit 2).
 */
export function runValidate(paths: readonly string[]): CommandOutput {
  try {
    requirePolicyPaths(paths);
    const policy = loadPolicy(paths);
    const modes = (['auto', 'approval', 'notify'] as const)
      .map((mode) => `${policy.rules.filter((r) => r.mode === mode).length} ${mode}`)
      .join(', ');
    const warnings = policy.warnings ?? [];
    const summary = `OK: ${plural(policy.files.length, 'file')}, ${plural(policy.rules.length, 'rule')} (${modes})`;
    return {
      stdout: [
        ...warnings.map((w) => `${w.file}:${w.line}:${w.col}: warning: ${w.message}`),
        warnings.length > 0 ? `${summary}, ${plural(warnings.length, 'warning')}` : summary,
      ],
      stderr: [],
      exitCode: EXIT_OK,
    };
  } catch (error) {
    if (error instanceof InputError)
      return { stdout: [], stderr: [`cordon: ${error.message}`], exitCode: EXIT_USAGE };
    if (!(error instanceof PolicyValidationError)) throw error;
    return {
      stdout: error.issues.map((i) => `${i.file}:${i.line}:${i.col}: ${i.message}`),
      stderr: [`policy invalid: ${plural(error.issues.length, 'problem')}`],
      exitCode: EXIT_NEGATIVE,
    };
  }
}

/** One line of `cordon policy test --json`, exactly the documented shape. */
export interface PolicyTestLine {
  event: string;
  reached: boolean;
  finding: {
    key: string;
    source: string;
    type: string;
    severity: number;
    accountId: string;
    region: string;
    /** A sample finding (GuardDuty's generated samples): rules ignore it unless they opt in. */
    sample: boolean;
    resources: { type: string; id: string }[];
  };
  decision: {
    rule: string | null;
    mode: string | null;
    actions: { action: string; resource: { type: string; id: string } }[];
    /** Resources the matching rule would act on but cordon refuses: triage records each as SKIPPED. */
    refused: { action: string; resource: { type: string; id: string }; code: string; reason: string }[];
    reasons: string[];
    /** Per rule up to the match (every rule when none matched): whether it matched and why. */
    explanation: { rule: string; matched: boolean; reason: string }[];
  };
}

/** The `--json` line for one finding of an event. */
export function toJsonLine(
  file: string,
  reached: boolean,
  finding: Finding,
  decision: Decision,
): PolicyTestLine {
  return {
    event: file,
    reached,
    finding: {
      key: finding.key,
      source: finding.source,
      type: finding.type,
      severity: finding.severity.score,
      accountId: finding.accountId,
      region: finding.region,
      sample: finding.sample,
      resources: finding.resources.map((r) => ({ type: r.type, id: r.id })),
    },
    decision: {
      rule: decision.rule,
      mode: decision.mode,
      actions: decision.actions.map((a) => ({
        action: a.action,
        resource: { type: a.resource.type, id: a.resource.id },
      })),
      refused: decision.refused.map((r) => ({
        action: r.action,
        resource: { type: r.resource.type, id: r.resource.id },
        code: r.code,
        reason: r.reason,
      })),
      reasons: [...decision.reasons],
      explanation: decision.explanation.map((e) => ({ rule: e.rule, matched: e.matched, reason: e.reason })),
    },
  };
}

function formatParams(params: Record<string, unknown>): string {
  const entries = Object.entries(params);
  return entries.length === 0 ? '' : ` (${entries.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')})`;
}

/** Human-readable report for one finding of an event. */
export function formatHuman(
  file: string,
  event: CordonEvent,
  reachedBy: string[],
  finding: Finding,
  decision: Decision,
): string[] {
  const lines = [`${file}`];
  lines.push(
    reachedBy.length > 0
      ? `  delivered: yes, by ${reachedBy.join(', ')}`
      : '  delivered: NO - no deployed EventBridge rule matches this event; cordon would never see it',
  );
  if (event.kind === 'securityhub-custom-action') {
    lines.push(`  custom action: ${event.actionName} (${event.actionArn})`);
  }
  lines.push(`  finding: ${finding.key}`);
  lines.push(
    `    ${finding.source} ${finding.type}, severity ${finding.severity.score} (${finding.severity.label}), account ${finding.accountId}, ${finding.region}${finding.sample ? ', SAMPLE' : ''}`,
  );
  const resources = finding.resources.map((r) => `${r.type} ${r.id}`).join(', ');
  lines.push(`    resources: ${resources || '(none)'}`);
  lines.push(
    decision.rule === null
      ? '  decision: no rule matched; cordon does nothing'
      : `  decision: rule ${decision.rule}, mode ${decision.mode ?? ''}`,
  );
  const refusing = decision.mode !== 'notify' && decision.refused.length > 0;
  if (decision.actions.length === 0 && !refusing) lines.push('    actions: (none)');
  if (refusing) {
    lines.push(
      `  REFUSED: cordon will not contain ${String(decision.refused.length)} resource(s); triage records each as SKIPPED, notes the finding and notifies`,
    );
  }
  for (const r of refusing ? decision.refused : []) {
    lines.push(`    refused: ${r.action} on ${r.resource.type} ${r.resource.id} [${r.code}]: ${r.reason}`);
  }
  for (const action of decision.actions) {
    lines.push(
      `    action: ${action.action} on ${action.resource.type} ${action.resource.id}${formatParams(action.params)}`,
    );
  }
  for (const reason of decision.reasons) lines.push(`    - ${reason}`);
  lines.push('  explanation:');
  for (const step of decision.explanation) {
    lines.push(`    ${step.matched ? 'MATCH' : 'miss '} ${step.rule}: ${step.reason}`);
  }
  return lines;
}

/** Options of `cordon policy test`. */
export interface PolicyTestOptions {
  policy: string;
  rules: string;
  json: boolean;
}

/** Read and parse one event file; the error is a one-line message naming the file. */
function readEvent(file: string): { event: unknown; parsed: CordonEvent } | { error: string } {
  let event: unknown;
  try {
    event = readJsonFile(file, 'event file');
  } catch (error) {
    if (error instanceof InputError) return { error: error.message };
    throw error;
  }
  try {
    return { event, parsed: parseCordonEvent(event) };
  } catch (error) {
    if (error instanceof UnsupportedEventError) {
      return { error: `${file}: unsupported event: ${error.message.split('\n')[0] ?? ''}` };
    }
    throw error;
  }
}

/**
 * `cordon policy test`: for each event file, whether the deployed rules deliver it, its normalised findings and
 * the policy's decision for each. Exit 1 when the policy is invalid, 2 when an event file is unusable (the
 * other files are still reported) or the policy path does not exist, else 0.
 */
export function runPolicyTest(files: readonly string[], options: PolicyTestOptions): CommandOutput {
  const output: CommandOutput = { stdout: [], stderr: [], exitCode: EXIT_OK };
  let policy: CompiledPolicy;
  try {
    requirePolicyPaths([options.policy]);
    policy = loadPolicy([options.policy]);
  } catch (error) {
    if (error instanceof InputError) {
      output.stderr.push(`cordon: ${error.message}`);
      output.exitCode = EXIT_USAGE;
      return output;
    }
    if (!(error instanceof PolicyValidationError)) throw error;
    output.stderr.push(...error.issues.map((i) => `${i.file}:${i.line}:${i.col}: ${i.message}`));
    output.exitCode = EXIT_NEGATIVE;
    return output;
  }
  // Loaded once: the compiled patterns are cached on these objects, so every event file reuses them.
  const ruleFiles = loadRuleFiles(options.rules);
  for (const file of files) {
    const read = readEvent(file);
    if ('error' in read) {
      output.stderr.push(read.error);
      output.exitCode = EXIT_USAGE;
      continue;
    }
    const reachedBy = rulesReachedBy(read.event, ruleFiles);
    if (read.parsed.findings.length === 0) {
      output.stderr.push(`${file}: the event carries no findings`);
      output.exitCode = EXIT_USAGE;
      continue;
    }
    for (const finding of read.parsed.findings) {
      const decision = evaluatePolicy(policy, finding);
      if (options.json) {
        output.stdout.push(JSON.stringify(toJsonLine(file, reachedBy.length > 0, finding, decision)));
      } else {
        output.stdout.push(...formatHuman(file, read.parsed, reachedBy, finding, decision), '');
      }
    }
  }
  return output;
}

/** Print a command's output and set the process exit code; an unexpected error is one line, exit 2. */
function run(body: () => CommandOutput): void {
  process.exitCode = guarded(processIo, () => emit(body()));
}

/** Register `cordon policy validate` and `cordon policy test`. */
export function registerPolicyCommands(program: Command): void {
  const policy = program
    .command('policy')
    .description('validate policy files and test what they decide for sample events, offline');

  policy
    .command('validate')
    .summary('validate policy files; print file:line:col per problem')
    .description(
      'validate policy files (YAML, version 1); directories are read in filename order. ' +
        'Exit 0 and print a summary (after any "file:line:col: warning: ..." lines), or exit 1 and print one ' +
        '"file:line:col: message" line per problem',
    )
    .argument('[paths...]', 'policy files or directories', ['policies'])
    .addHelpText(
      'after',
      exitStatusHelp({
        ok: 'the policy is valid (warnings do not count)',
        negative: 'the policy is invalid: one "file:line:col: message" line per problem',
        usage: 'bad input or usage: a policy path that does not exist, an unknown option',
      }),
    )
    .action((paths: string[]) => {
      run(() => runValidate(paths));
    });

  policy
    .command('test')
    .summary('show what the policy decides for event files, and whether the rules deliver them')
    .description(
      'for each EventBridge event file: whether the deployed rules (rules/) deliver it, the normalised finding ' +
        'and the policy decision (rule, mode, actions, explanation). Exit 0; 1 if the policy is invalid; ' +
        '2 if an event file is not JSON or not a supported event (one line per bad file, others still reported)',
    )
    .addHelpText(
      'after',
      exitStatusHelp({
        ok: 'every event file was evaluated (whatever the decision)',
        negative: 'the policy is invalid: one "file:line:col: message" line per problem',
        usage:
          'bad input or usage: an event file that cannot be read, is not JSON or not a supported event (the ' +
          'others are still reported), a policy path that does not exist, a missing argument',
      }),
    )
    .argument('<events...>', 'event files (JSON, as EventBridge delivers them)')
    .option('--policy <dir>', 'policy directory or file', 'policies')
    .option('--rules <dir>', 'directory of the EventBridge rule files', 'rules')
    .option(
      '--json',
      'print one JSON object per finding: {event, reached, finding: {key, source, type, severity, accountId, ' +
        'region, resources: [{type, id}]}, decision: {rule, mode, actions: [{action, resource: {type, id}}], reasons}}',
      false,
    )
    .action((events: string[], options: PolicyTestOptions) => {
      run(() => runPolicyTest(events, options));
    });

  registerCoverageCommand(policy);
}
