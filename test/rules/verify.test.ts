/**
 * `cordon rules verify --aws` against EventBridge. It must never call AWS in tests, and moto's TestEventPattern does
 * not work, so EventBridge is answered with aws-sdk-client-mock: by default with cordon's own matcher (so the
 * command's plumbing, placeholders and report are what is tested), and with a flipped answer to prove disagreements
 * are reported.
 */
import { describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { EventBridgeClient, TestEventPatternCommand } from '@aws-sdk/client-eventbridge';
import { readdirSync } from 'node:fs';
import { matchesPattern } from '../../functions/lib/eventbridge/matcher.js';
import { runRulesVerify } from '../../cli/commands/rules-verify.js';

const OPTIONS = { aws: true, rules: 'rules', events: 'test/events', region: 'us-east-1' };
const RULES = readdirSync('rules').filter((n) => n.endsWith('.json')).length;
const EVENTS = readdirSync('test/events').filter((n) => n.endsWith('.json')).length;

function capture(): {
  out: string[];
  err: string[];
  io: { out: (l: string) => void; err: (l: string) => void };
} {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l) => out.push(l), err: (l) => err.push(l) } };
}

describe('CLI: cordon rules verify --aws', () => {
  it('sends every rule, filled in for each event, with every event, and reports agreement (exit 0)', async () => {
    // Prepare
    const client = new EventBridgeClient({ region: 'us-east-1' });
    const mock = mockClient(client);
    mock.on(TestEventPatternCommand).callsFake((input: { EventPattern: string; Event: string }) => ({
      Result: matchesPattern(input.EventPattern, JSON.parse(input.Event)),
    }));
    const { out, io } = capture();

    // Act
    const code = await runRulesVerify(OPTIONS, io, client);

    // Assess
    expect(code).toBe(0);
    const sent = mock.commandCalls(TestEventPatternCommand).map((c) => c.args[0].input.EventPattern ?? '');
    expect(sent).toHaveLength(RULES * EVENTS);
    expect(sent.filter((p) => p.includes('${'))).toEqual([]);
    expect(out).toEqual([
      `${RULES} rules x ${EVENTS} events: ${RULES * EVENTS} agree, 0 disagree, 0 not tested`,
    ]);
  });

  it('names each pair where EventBridge and cordon disagree (exit 1)', async () => {
    // Prepare: EventBridge "says" the opposite for the SSH brute-force event
    const client = new EventBridgeClient({ region: 'us-east-1' });
    mockClient(client)
      .on(TestEventPatternCommand)
      .callsFake((input: { EventPattern: string; Event: string }) => {
        const event = JSON.parse(input.Event) as { detail?: { type?: string } };
        const verdict = matchesPattern(input.EventPattern, event);
        return { Result: event.detail?.type === 'UnauthorizedAccess:EC2/SSHBruteForce' ? !verdict : verdict };
      });
    const { out, io } = capture();

    // Act
    const code = await runRulesVerify(OPTIONS, io, client);

    // Assess
    expect(code).toBe(1);
    const disagree = out.filter((l) => l.startsWith('DISAGREE'));
    expect(disagree).toHaveLength(RULES);
    expect(disagree).toContain(
      'DISAGREE triage-guardduty.json x test/events/guardduty-ec2-ssh-bruteforce.envelope-assembled.json: EventBridge says no_match, cordon says match',
    );
    expect(out.at(-1)).toBe(
      `${RULES} rules x ${EVENTS} events: ${RULES * EVENTS - RULES} agree, ${RULES} disagree, 0 not tested`,
    );
  });

  it('needs --aws, and turns missing credentials into one line (exit 2)', async () => {
    // Prepare
    const client = new EventBridgeClient({ region: 'us-east-1' });
    const credentials = new Error('Could not load credentials from any providers');
    credentials.name = 'CredentialsProviderError';
    mockClient(client).on(TestEventPatternCommand).rejects(credentials);
    const without = capture();
    const noCredentials = capture();

    // Act
    const codes = [
      await runRulesVerify({ ...OPTIONS, aws: false }, without.io, client),
      await runRulesVerify(OPTIONS, noCredentials.io, client),
    ];

    // Assess
    expect(codes).toEqual([2, 2]);
    expect(without.err.join('\n')).toContain('pass --aws');
    expect(noCredentials.err).toEqual([
      'cordon: no AWS credentials: rules verify asks EventBridge in your account; set AWS_PROFILE (or the AWS_* variables) and --region',
    ]);
  });
});
