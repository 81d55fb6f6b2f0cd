/**
 * `cordon policy coverage [--json] [--strict]`: what the policy decides for every active GuardDuty finding type of
 * the reference table (functions/lib/policy/coverage.ts explains how each type is decided).
 */
import type { Command } from 'commander';
import { policyCoverage, readFindingTypes, type TypeCoverage } from '../../functions/lib/policy/coverage.js';
import { loadPolicy } from '../../functions/lib/policy/index.js';
import {
  EXIT_NEGATIVE,
  EXIT_OK,
  exitStatusHelp,
  guarded,
  processIo,
  readTextFile,
  requirePolicyPaths,
  type CommandIo,
  type ExitCode,
} from '../kit.js';

export interface CoverageOptions {
  policy: string;
  types: string;
  json?: boolean;
  strict?: boolean;
}

function describe(t: TypeCoverage): string {
  const decision = t.rule === null ? 'no rule' : `${t.rule} (${t.mode ?? '?'})`;
  const actions = t.actions.length > 0 ? ` → ${t.actions.join(', ')}` : '';
  const at = t.severities.length > 1 && t.decidedAt !== null ? ` at severity ${t.decidedAt}` : '';
  const named = t.rule !== null && !t.named ? ' [catch-all]' : '';
  const example = t.example !== null ? ` if the finding names its ${t.example}` : '';
  return `${t.type}  [${t.family ?? 'no resource'}]  ${decision}${actions}${example}${at}${named}${t.error ? `  ! ${t.error}` : ''}`;
}

/** Print the coverage; exit 1 with `--strict` when an active type is named by no rule. */
export function runCoverage(options: CoverageOptions, io: CommandIo = processIo): ExitCode {
  return guarded(io, () => {
    requirePolicyPaths([options.policy]);
    const policy = loadPolicy([options.policy]);
    const report = policyCoverage(
      policy,
      readFindingTypes(readTextFile(options.types, 'finding-type table')),
    );
    const total = report.types.length;
    const share = total === 0 ? 0 : Math.round((report.contained / total) * 1000) / 10;
    if (options.json) {
      io.out(
        JSON.stringify({
          total,
          contained: report.contained,
          share,
          unnamed: report.unnamed,
          types: report.types,
        }),
      );
    } else {
      for (const t of report.types) io.out(describe(t));
      io.out('');
      io.out(
        `${report.contained} of ${total} active GuardDuty finding types (${share}%) map to a containment action (auto or approval).`,
      );
      if (report.unnamed.length > 0) {
        io.out(
          `${report.unnamed.length} types are named by no rule (a catch-all rule or nothing decides them):`,
        );
        for (const type of report.unnamed) io.out(`  ${type}`);
      }
    }
    return options.strict === true && report.unnamed.length > 0 ? EXIT_NEGATIVE : EXIT_OK;
  });
}

/** Register `cordon policy coverage` on the `policy` command. */
export function registerCoverageCommand(policy: Command): void {
  policy
    .command('coverage')
    .summary('what the policy decides for every active GuardDuty finding type')
    .description(
      'for every active type of the GuardDuty finding-type table: its resource family, the rule, mode and ' +
        "actions the policy gives a typical finding of it (example findings built from the resource kinds' " +
        'GuardDuty examples, parsed and decided by the real code, at the documented severity, else at Low, Medium ' +
        'and High; the strongest decision is shown, with the resource it needs, e.g. "if the finding names its ' +
        'ec2-instance" for the node of an EKS finding), ' +
        'then the share of types with a containment action and the types no rule names',
    )
    .option('--policy <dir>', 'policy directory or file', 'policies')
    .option('--types <file>', 'finding-type table (CSV)', 'scripts/data/guardduty-finding-types.csv')
    .option(
      '--json',
      'print one JSON object: {total, contained, share, unnamed, types: [{type, family, example, rule, mode, ' +
        'actions, severities, decidedAt, named}]}',
      false,
    )
    .option('--strict', 'exit 1 when an active type is named by no rule', false)
    .addHelpText(
      'after',
      exitStatusHelp({
        ok: 'the coverage was printed',
        negative: 'the policy is invalid, or with --strict an active type is named by no rule',
        usage: 'bad input or usage: a policy path or the table does not exist',
      }),
    )
    .action((options: CoverageOptions) => {
      process.exitCode = runCoverage(options);
    });
}
