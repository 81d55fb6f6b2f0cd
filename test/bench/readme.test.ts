import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import {
  README_END,
  README_PATH,
  README_START,
  RESULTS_PATH,
  readmeSection,
  withReadmeSection,
  type BenchResults,
} from '../../bench/readme.js';

const results = (): BenchResults => JSON.parse(readFileSync(RESULTS_PATH, 'utf8')) as BenchResults;

describe('Bench: the README table', () => {
  it('quotes the latest bench/results.json (run `npx tsx bench/readme.ts` after a partial bench run)', () => {
    // Prepare
    const readme = readFileSync(README_PATH, 'utf8');

    // Act
    const regenerated = withReadmeSection(readme, readmeSection(results()));

    // Assess
    expect(regenerated).toBe(readme);
  });

  it('shows every figure that has a target, with its verdict', () => {
    // Prepare
    const latest = results();

    // Act
    const section = readmeSection(latest);

    // Assess
    for (const f of latest.figures.filter((figure) => figure.target !== null)) {
      expect(section).toContain(`| ${f.benchmark} | ${f.metric} |`);
      expect(section).toContain(`| ${f.target ?? ''} | ${f.pass ? 'pass' : '**miss**'} |`);
    }
  });

  it('refuses a README without the generated section', () => {
    // Act / Assess
    expect(() => withReadmeSection('# no markers', 'x')).toThrow(README_START);
    expect(withReadmeSection(`a\n${README_START}\nold\n${README_END}\nb`, 'new')).toBe('a\nnew\nb');
  });
});
