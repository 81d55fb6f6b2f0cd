/**
 * `cordon rules`: generate, check and test the EventBridge rules (`rules/*.json`) that deliver findings to cordon.
 * The logic lives in `functions/lib/eventbridge/rules.ts`; these functions only read files, print and pick exit
 * codes, and are exported so tests can run them without a process.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { loadPolicy } from '../../functions/lib/policy/index.js';
import { createTwoFilesPatch } from 'diff';
import { explainNoMatch } from '../../functions/lib/eventbridge/explain.js';
import {
  asDeployedFor,
  buildRules,
  matchOutcome,
  staleRuleFiles,
  writeRuleFiles,
  type RuleFile,
} from '../../functions/lib/eventbridge/rules.js';
import {
  EXIT_NEGATIVE,
  EXIT_OK,
  EXIT_USAGE,
  exitStatusHelp,
  guarded,
  InputError,
  processIo,
  readJsonFile,
  requirePolicyPaths,
  type CommandIo,
  type ExitCode,
} from '../kit.js';

export type { CommandIo };

/** `cordon rules verify` options (the command is in rules-verify.ts, loaded when it runs). */
export interface RulesVerifyOptions {
  aws?: boolean;
  rules: string;
  events: string;
  region: string;
}

export const DEFAULT_POLICY_DIR = 'policies';
export const DEFAULT_RULES_DIR = 'rules';

export interface RulesBuildOptions {
  policy: string;
  out: string;
}

function generate(options: RulesBuildOptions): { rules: RuleFile[]; ruleCount: number } {
  requirePolicyPaths([options.policy]);
  const policy = loadPolicy([options.policy]);
  return { rules: buildRules(policy), ruleCount: policy.rules.length };
}

/** `cordon rules build`: write the rule files. Exit 0, 1 when the policy is invalid, 2 on bad input. */
export function runRulesBuild(options: RulesBuildOptions, io: CommandIo = processIo): ExitCode {
  return guarded(io, () => {
    const { rules, ruleCount } = generate(options);
    const report = writeRuleFiles(rules, options.out);
    for (const path of report.written) io.out(`wrote ${path}`);
    for (const path of report.unchanged) io.out(`unchanged ${path}`);
    for (const path of report.removed) io.out(`removed ${path} (no longer generated)`);
    io.out(
      `${rules.length} rule files in ${options.out}/ from ${ruleCount} policy rules in ${options.policy}`,
    );
    return EXIT_OK;
  });
}

function rebuildHint(options: RulesBuildOptions): string {
  const flags: string[] = [];
  if (options.policy !== DEFAULT_POLICY_DIR) flags.push(`--policy ${options.policy}`);
  if (options.out !== DEFAULT_RULES_DIR) flags.push(`--out ${options.out}`);
  return `run \`npx cordon rules build\`${flags.length > 0 ? ` (with ${flags.join(' ')})` : ''} and commit the result`;
}

/**
 * `cordon rules check`: exit 0 when the rules directory is what `build` would write, 1 when stale or the policy is
 * invalid, 2 on bad input.
 */
export function runRulesCheck(options: RulesBuildOptions, io: CommandIo = processIo): ExitCode {
  return guarded(io, () => {
    const { rules } = generate(options);
    const stale = staleRuleFiles(rules, options.out);
    if (stale.length === 0) {
      io.out(`${options.out}/ is up to date (${rules.length} rule files)`);
      return EXIT_OK;
    }
    io.err(`${options.out}/ is stale: it differs from what the policy in ${options.policy} generates`);
    for (const s of stale) io.err(`  ${s.path}: ${s.problem}`);
    // What changed, as a unified diff from the committed file to what the policy generates.
    for (const s of stale) {
      if (s.problem !== 'differs') continue;
      const patch = createTwoFilesPatch(s.path, `${s.path} (generated)`, s.actual, s.expected, '', '', {
        context: 2,
      });
      io.err(patch.replace(/^=+\n/, '').trimEnd());
    }
    io.err(rebuildHint(options));
    return EXIT_NEGATIVE;
  });
}

/** `cordon rules match PATTERN_FILE EVENT_FILE`: prints match (0), no_match (1) or invalid_pattern (2). */
export function runRulesMatch(patternFile: string, eventFile: string, io: CommandIo = processIo): ExitCode {
  return guarded(io, () => {
    const pattern = readJsonFile(patternFile, 'pattern file');
    const event = readJsonFile(eventFile, 'event file');
    const outcome = matchOutcome(pattern, event);
    if (outcome.result === 'invalid_pattern') {
      io.out(`invalid_pattern: ${outcome.reason.replace(/\s+/g, ' ')}`);
      return EXIT_USAGE;
    }
    io.out(outcome.result);
    if (outcome.result === 'match') return EXIT_OK;
    // stdout keeps the one word scripts read; why it failed goes to stderr, a line per failing field.
    for (const line of explainNoMatch(asDeployedFor(pattern, event), event)) io.err(`  ${line}`);
    return EXIT_NEGATIVE;
  });
}

const CasesSchema = z.array(z.object({ name: z.string(), pattern: z.unknown(), event: z.unknown() }));

/** `cordon rules match --cases FILE`: prints a JSON array of `{name, result}`; exit 0, or 2 for a bad file. */
export function runRulesMatchCases(casesFile: string, io: CommandIo = processIo): ExitCode {
  return guarded(io, () => {
    const parsed = CasesSchema.safeParse(readJsonFile(casesFile, 'cases file'));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue
        ? issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')
        : '';
      throw new InputError(
        `cases file ${casesFile} must be a JSON array of {name, pattern, event}${where ? ` (problem at ${where})` : ''}`,
      );
    }
    const results = parsed.data.map((c) => ({
      name: c.name,
      result: matchOutcome(c.pattern, c.event).result,
    }));
    io.out(JSON.stringify(results, null, 2));
    return EXIT_OK;
  });
}

/** Register `cordon rules` and its sub-commands on the program. */
export function registerRulesCommands(program: Command): void {
  const rules = program
    .command('rules')
    .description(
      'generate, check and test the EventBridge rules (rules/*.json) that deliver findings to cordon',
    )
    .addHelpText(
      'after',
      '\nThe rules are a coarse prefilter generated from the policy; triage still evaluates the policy on every\n' +
        'delivered finding. ${account_id} and ${region} in rule files are filled in by Terraform.',
    );

  rules
    .command('build')
    .description('generate the rule files from the policy and write them to the rules directory')
    .option('--policy <dir>', 'policy file or directory', DEFAULT_POLICY_DIR)
    .option('--out <dir>', 'rules directory to write', DEFAULT_RULES_DIR)
    .addHelpText(
      'after',
      '\nrules/ is generated: triage-*.json and approve-*.json files that the policy no longer produces are removed.\n' +
        exitStatusHelp({
          ok: 'rule files written',
          negative: 'the policy is invalid (file:line:col per problem)',
          usage: 'bad input or usage: a missing policy path, an unwritable directory, an unknown option',
        }),
    )
    .action((options: RulesBuildOptions) => {
      process.exitCode = runRulesBuild(options);
    });

  rules
    .command('check')
    .description('fail when the rules directory differs from what `cordon rules build` would write')
    .option('--policy <dir>', 'policy file or directory', DEFAULT_POLICY_DIR)
    .option('--out <dir>', 'rules directory to compare', DEFAULT_RULES_DIR)
    .addHelpText(
      'after',
      exitStatusHelp({
        ok: 'up to date',
        negative:
          'stale (the stale files are named, with a unified diff of each differing file), or the policy is invalid (file:line:col per problem)',
        usage: 'bad input or usage: a missing policy path, an unknown option',
      }),
    )
    .action((options: RulesBuildOptions) => {
      process.exitCode = runRulesCheck(options);
    });

  rules
    .command('match')
    .description("test an event against an EventBridge pattern with cordon's offline matcher")
    .argument('[PATTERN_FILE]', 'JSON file holding one event pattern (e.g. rules/triage-guardduty.json)')
    .argument('[EVENT_FILE]', 'JSON file holding one EventBridge event')
    .option('--cases <file>', 'JSON array of {name, pattern, event}; prints a JSON array of {name, result}')
    .addHelpText(
      'after',
      '\nPrints match (exit 0), no_match (exit 1) or invalid_pattern: <reason> (exit 2).\n' +
        'After no_match, stderr names each pattern field the event fails, with the value it has.\n' +
        'With --cases, result is match, no_match or invalid_pattern for each case (exit 0).\n' +
        'An unreadable or non-JSON file is reported on one line (exit 2).\n' +
        "${account_id} and ${region} in a pattern are filled from the event's account and region.\n" +
        exitStatusHelp({
          ok: 'match (with --cases: every case was evaluated)',
          negative: 'no_match',
          usage:
            'invalid_pattern, an unreadable or non-JSON file, a cases file of the wrong shape, bad usage',
        }),
    )
    .action((patternFile: string | undefined, eventFile: string | undefined, options: { cases?: string }) => {
      if (options.cases !== undefined) {
        if (patternFile !== undefined || eventFile !== undefined) {
          processIo.err('cordon: give either PATTERN_FILE EVENT_FILE or --cases FILE, not both');
          process.exitCode = EXIT_USAGE;
          return;
        }
        process.exitCode = runRulesMatchCases(options.cases);
        return;
      }
      if (patternFile === undefined || eventFile === undefined) {
        processIo.err('cordon: rules match needs PATTERN_FILE and EVENT_FILE (or --cases FILE)');
        process.exitCode = EXIT_USAGE;
        return;
      }
      process.exitCode = runRulesMatch(patternFile, eventFile);
    });

  rules
    .command('verify')
    .description(
      "compare cordon's offline matcher with EventBridge TestEventPattern on every rule file and event file (needs AWS credentials)",
    )
    .option(
      '--aws',
      'call EventBridge TestEventPattern with your AWS credentials (required: a release check, never CI)',
    )
    .option('--rules <dir>', 'rules directory', DEFAULT_RULES_DIR)
    .option('--events <dir>', 'directory of EventBridge event files', 'test/events')
    .option('--region <region>', 'AWS region to ask', process.env['AWS_REGION'] ?? 'us-east-1')
    .addHelpText(
      'after',
      "\nEach rule is filled in for each event's account and region, as Terraform deploys it. Calls only\n" +
        'events:TestEventPattern; nothing is created. Prints DISAGREE lines and a summary.\n' +
        exitStatusHelp({
          ok: 'EventBridge and cordon agree on every rule and event',
          negative: 'they disagree on at least one pair, or EventBridge refused to test one',
          usage: 'no --aws, no AWS credentials, an unreadable rules or events directory',
        }),
    )
    .action(async (options: RulesVerifyOptions) => {
      // Loaded on use: the EventBridge client is only needed here.
      const { runRulesVerify } = await import('./rules-verify.js');
      process.exitCode = await runRulesVerify(options, processIo);
    });
}
