/**
 * Benchmark 2: EventBridge rule matching throughput: events per second through every generated rule file
 * (`rules/*.json`, placeholders filled) with cordon's own matcher, compiled once.
 */
import { compilePattern, type CompiledPattern } from '../functions/lib/eventbridge/matcher.js';
import { fillPlaceholders, loadRuleFiles } from '../functions/lib/eventbridge/rules.js';
import { figure, median, progress, type Figure } from './lib/figures.js';
import { sampleEvents } from './lib/samples.js';

const BENCHMARK = 'rule matching';
const VARS = { account_id: '123456789012', region: 'us-east-1' };

/**
 * The sample events plus variants that exercise both outcomes of every rule: the GuardDuty samples with and
 * without the sample marker, and the custom-action sample re-addressed to cordon's approve action.
 */
function eventMix(): Record<string, unknown>[] {
  const events: Record<string, unknown>[] = [];
  for (const { event } of sampleEvents()) {
    const copy = structuredClone(event);
    delete copy['debug'];
    events.push(copy);
    const detail = copy['detail'];
    if (copy['source'] === 'aws.guardduty' && detail !== null && typeof detail === 'object') {
      const real = structuredClone(copy);
      const service = (real['detail'] as Record<string, unknown>)['service'] as Record<string, unknown>;
      service['additionalInfo'] = {};
      events.push(real);
    }
    if (copy['detail-type'] === 'Security Hub Findings - Custom Action') {
      events.push({
        ...structuredClone(copy),
        account: VARS.account_id,
        region: VARS.region,
        resources: [`arn:aws:securityhub:${VARS.region}:${VARS.account_id}:action/custom/CordonApprove`],
      });
    }
  }
  return events;
}

/** Run benchmark 2. */
export function runMatchingBenchmark(): Figure[] {
  const rules = loadRuleFiles('rules');
  const compiled: { name: string; pattern: CompiledPattern }[] = rules.map((rule) => ({
    name: rule.name,
    pattern: compilePattern(fillPlaceholders(rule.pattern, VARS)),
  }));
  const events = eventMix();
  let matched = 0;
  for (const event of events) for (const rule of compiled) if (rule.pattern.matches(event)) matched++;
  progress(`matching: ${events.length} events x ${compiled.length} rule files (${matched} matches per pass)`);

  const pass = (): number => {
    let hits = 0;
    for (const event of events) for (const rule of compiled) if (rule.pattern.matches(event)) hits++;
    return hits;
  };
  let rounds = 1;
  for (;;) {
    const start = performance.now();
    for (let r = 0; r < rounds; r++) pass();
    const elapsed = performance.now() - start;
    if (elapsed > 50) {
      rounds = Math.max(1, Math.round((rounds * 300) / elapsed));
      break;
    }
    rounds *= 2;
  }
  const rates: number[] = [];
  for (let i = 0; i < 7; i++) {
    const start = performance.now();
    for (let r = 0; r < rounds; r++) pass();
    rates.push((rounds * events.length) / ((performance.now() - start) / 1000));
  }
  const rate = median(rates);
  progress(`matching: ${Math.round(rate).toLocaleString('en-US')} events/s through all rule files`);
  return [
    figure(
      BENCHMARK,
      `throughput, every event through all ${compiled.length} rule files`,
      Math.round(rate),
      'events/s',
      undefined,
      `${events.length} events (samples and variants), ${matched} of ${events.length * compiled.length} event x rule pairs match`,
    ),
    figure(BENCHMARK, 'pattern evaluations', Math.round(rate * compiled.length), 'patterns/s'),
  ];
}
