import { describe, expect, it } from 'vitest';
import { generateGuardDutyTypesModule } from '../../scripts/gen-guardduty-types.js';

const HEADER = 'finding_type,resource_type_api,asff_types,doc_page';

describe('Findings: GuardDuty type table generator', () => {
  it('maps every ASFF type of a row, skips unmapped rows and lists every native type', () => {
    // Prepare
    const csv = [
      HEADER,
      'Backdoor:EC2/Spambot,Instance,TTPs/Command and Control/Backdoor:EC2-Spambot,https://x',
      'CryptoCurrency:Lambda/BitcoinTool.B,Lambda,"TTPs/Command and Control/CryptoCurrency:Lambda-BitcoinTool.B; Effects/Resource Consumption/CryptoCurrency:Lambda-BitcoinTool.B",https://x',
      'AttackSequence:EKS/CompromisedCluster,(varies),(not in SH mapping table copy),https://x',
      '',
    ].join('\n');

    // Act
    const source = generateGuardDutyTypesModule(csv);

    // Assess
    expect(source).toContain(
      '["Effects/Resource Consumption/CryptoCurrency:Lambda-BitcoinTool.B", "CryptoCurrency:Lambda/BitcoinTool.B"],',
    );
    expect(source).toContain(
      '["TTPs/Command and Control/CryptoCurrency:Lambda-BitcoinTool.B", "CryptoCurrency:Lambda/BitcoinTool.B"],',
    );
    expect(source).toContain('["TTPs/Command and Control/Backdoor:EC2-Spambot", "Backdoor:EC2/Spambot"],');
    expect(source).not.toContain('(not in SH mapping table copy)');
    expect(source).toContain('  "AttackSequence:EKS/CompromisedCluster",');
  });

  it('refuses an ASFF type that would map to two native types', () => {
    // Prepare
    const csv = [
      HEADER,
      'A:EC2/One,Instance,TTPs/X/A:EC2-One,u',
      'A:EC2/Two,Instance,TTPs/X/A:EC2-One,u',
    ].join('\n');

    // Act & Assess
    expect(() => generateGuardDutyTypesModule(csv)).toThrow(
      'ASFF type "TTPs/X/A:EC2-One" maps to both "A:EC2/One" and "A:EC2/Two"',
    );
  });
});
