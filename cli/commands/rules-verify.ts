/**
 * `cordon rules verify --aws`: proves cordon's offline matcher against EventBridge itself. Every rule file, as
 * deployed in each event's account and region, is sent with every event file to EventBridge `TestEventPattern`,
 * and any pair where AWS and cordon's matcher disagree is reported. It needs AWS credentials and calls only
 * `events:TestEventPattern` (no resource is created), so it is a release check, never a CI step.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { EventBridgeClient, TestEventPatternCommand } from '@aws-sdk/client-eventbridge';
import { awsClientConfig } from '../../functions/lib/aws/client-config.js';
import { errorMessage } from '../../functions/lib/errors.js';
import { asDeployedFor, loadRuleFiles, matchOutcome } from '../../functions/lib/eventbridge/rules.js';
import {
  EXIT_NEGATIVE,
  EXIT_OK,
  guardedAsync,
  InputError,
  readJsonFile,
  type CommandIo,
  type ExitCode,
} from '../kit.js';
import { awsAccessHint } from './aws-hints.js';
import type { RulesVerifyOptions } from './rules.js';

/** What AWS and cordon say of one rule and one event. */
interface Comparison {
  rule: string;
  event: string;
  cordon: 'match' | 'no_match' | 'invalid_pattern';
  aws: 'match' | 'no_match' | 'invalid_pattern' | { error: string };
}

/** TestEventPattern allows a handful of calls per second; a few at a time stays well inside it. */
const CONCURRENCY = 4;

async function askAws(
  client: EventBridgeClient,
  pattern: unknown,
  event: unknown,
): Promise<Comparison['aws']> {
  try {
    const result = await client.send(
      new TestEventPatternCommand({ EventPattern: JSON.stringify(pattern), Event: JSON.stringify(event) }),
    );
    return result.Result === true ? 'match' : 'no_match';
  } catch (error) {
    // AWS rejects an invalid pattern with InvalidEventPatternException, the same verdict as cordon's invalid_pattern.
    if (error instanceof Error && error.name === 'InvalidEventPatternException') return 'invalid_pattern';
    if (awsAccessHint(error, undefined) !== undefined) throw error;
    return { error: errorMessage(error) };
  }
}

function eventFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.json'));
  } catch (error) {
    throw new InputError(`cannot read events directory ${dir}: ${errorMessage(error)}`, { cause: error });
  }
  if (names.length === 0) throw new InputError(`no event files (*.json) in ${dir}`);
  return names.sort().map((name) => join(dir, name));
}

/**
 * Compare cordon and EventBridge on every rule/event pair.
 * @returns 0 when they agree on every pair, 1 when they disagree on one (or AWS refused an event), 2 for bad usage
 *   or no AWS credentials.
 */
export async function runRulesVerify(
  options: RulesVerifyOptions,
  io: CommandIo,
  client?: EventBridgeClient,
): Promise<ExitCode> {
  return guardedAsync(io, async () => {
    if (options.aws !== true) {
      throw new InputError(
        'rules verify calls EventBridge TestEventPattern with your AWS credentials: pass --aws to run it (a release check, never CI)',
      );
    }
    const rules = loadRuleFiles(options.rules);
    const events = eventFiles(options.events).map((file) => ({
      file,
      event: readJsonFile(file, 'event file'),
    }));
    const eventBridge = client ?? new EventBridgeClient(awsClientConfig({ region: options.region }));
    const pairs = rules.flatMap((rule) => events.map((e) => ({ rule, ...e })));
    const comparisons: Comparison[] = [];
    try {
      for (let start = 0; start < pairs.length; start += CONCURRENCY) {
        const batch = pairs.slice(start, start + CONCURRENCY);
        comparisons.push(
          ...(await Promise.all(
            batch.map(async ({ rule, file, event }) => ({
              rule: rule.file,
              event: file,
              cordon: matchOutcome(rule.pattern, event).result,
              aws: await askAws(eventBridge, asDeployedFor(rule.pattern, event), event),
            })),
          )),
        );
      }
    } catch (error) {
      if (awsAccessHint(error, undefined) !== undefined) {
        throw new InputError(
          'no AWS credentials: rules verify asks EventBridge in your account; set AWS_PROFILE (or the AWS_* variables) and --region',
          { cause: error },
        );
      }
      throw error;
    }
    const refused = comparisons.filter((c) => typeof c.aws === 'object');
    const disagree = comparisons.filter((c) => typeof c.aws === 'string' && c.aws !== c.cordon);
    for (const c of disagree)
      io.out(`DISAGREE ${c.rule} x ${c.event}: EventBridge says ${String(c.aws)}, cordon says ${c.cordon}`);
    for (const c of refused)
      io.out(
        `ERROR ${c.rule} x ${c.event}: EventBridge refused the test: ${typeof c.aws === 'object' ? c.aws.error : ''}`,
      );
    io.out(
      `${rules.length} rules x ${events.length} events: ${comparisons.length - disagree.length - refused.length} agree, ${disagree.length} disagree, ${refused.length} not tested`,
    );
    return disagree.length === 0 && refused.length === 0 ? EXIT_OK : EXIT_NEGATIVE;
  });
}
