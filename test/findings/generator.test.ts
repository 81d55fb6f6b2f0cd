import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CSV,
  DEFAULT_OUT,
  encodeGuardDutyTypes,
  generateGuardDutyTypesModule,
  guardDutyTypeTableFromCsv,
  renderGuardDutyTypesModule,
} from '../../scripts/gen-guardduty-types.js';
import {
  decodeGuardDutyTypes,
  type CompactGuardDutyTypes,
} from '../../functions/lib/findings/guardduty-type-table.js';
import { GUARDDUTY_TYPE_TABLE } from '../../functions/lib/findings/guardduty-types.generated.js';
import {
  ASFF_TYPE_TO_GUARDDUTY_TYPE,
  GUARDDUTY_FINDING_TYPES,
} from '../../functions/lib/findings/guardduty-types.js';

const HEADER = 'finding_type,resource_type_api,asff_types,doc_page';

/** The reference table the generator reads (see scripts/gen-guardduty-types.ts), next to the repository. */
function referenceCsv(): string {
  if (!existsSync(DEFAULT_CSV)) {
    throw new Error(
      `the GuardDuty reference table ${DEFAULT_CSV} is missing: these tests compare the committed table with it`,
    );
  }
  return readFileSync(DEFAULT_CSV, 'utf8');
}

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
    const table = guardDutyTypeTableFromCsv(csv);

    // Assess
    expect([...table.asffToNative]).toEqual([
      [
        'Effects/Resource Consumption/CryptoCurrency:Lambda-BitcoinTool.B',
        'CryptoCurrency:Lambda/BitcoinTool.B',
      ],
      ['TTPs/Command and Control/Backdoor:EC2-Spambot', 'Backdoor:EC2/Spambot'],
      ['TTPs/Command and Control/CryptoCurrency:Lambda-BitcoinTool.B', 'CryptoCurrency:Lambda/BitcoinTool.B'],
    ]);
    expect(table.nativeTypes).toEqual([
      'AttackSequence:EKS/CompromisedCluster',
      'Backdoor:EC2/Spambot',
      'CryptoCurrency:Lambda/BitcoinTool.B',
    ]);
  });

  it('stores regular ASFF types as prefix indexes and irregular ones in full', () => {
    // Prepare
    const csv = [
      HEADER,
      'Backdoor:EC2/Spambot,Instance,TTPs/Command and Control/Backdoor:EC2-Spambot,https://x',
      'CryptoCurrency:Lambda/BitcoinTool.B,Lambda,"TTPs/Command and Control/CryptoCurrency:Lambda-BitcoinTool.B; Effects/Resource Consumption/CryptoCurrency:Lambda-BitcoinTool.B",https://x',
      'PenTest:IAMUser/KaliLinux,AccessKey,TTPs/PenTest:IAMUser/KaliLinux,https://x',
      'Discovery:RDS/TorIPCaller,RDSDBInstance,TTPs/Discovery/RDS-TorIPCaller,https://x',
      'AttackSequence:EKS/CompromisedCluster,(varies),(not in SH mapping table copy),https://x',
    ].join('\n');

    // Act
    const compact = encodeGuardDutyTypes(guardDutyTypeTableFromCsv(csv));
    const source = generateGuardDutyTypesModule(csv);

    // Assess
    expect(compact).toEqual({
      prefixes: ['Effects/Resource Consumption', 'TTPs/Command and Control'],
      types: {
        'AttackSequence:EKS': [['CompromisedCluster']],
        'Backdoor:EC2': [['Spambot', 1]],
        'CryptoCurrency:Lambda': [['BitcoinTool.B', 0, 1]],
        'Discovery:RDS': [['TorIPCaller', 'TTPs/Discovery/RDS-TorIPCaller']],
        'PenTest:IAMUser': [['KaliLinux', 'TTPs/PenTest:IAMUser/KaliLinux']],
      },
    });
    expect(source).toContain('"Backdoor:EC2": [["Spambot",1]],');
    expect(source).not.toContain('(not in SH mapping table copy)');
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

  it('refuses a native type that is not <Purpose>:<Resource>/<Family>', () => {
    // Prepare
    const csv = [HEADER, 'Unshaped,Instance,TTPs/X/Unshaped,u'].join('\n');

    // Act & Assess
    expect(() => generateGuardDutyTypesModule(csv)).toThrow(
      'GuardDuty type "Unshaped" is not <Purpose>:<Resource>/<Family>',
    );
  });
});

describe('Findings: the compact GuardDuty type table', () => {
  it('decodes to exactly the table in the reference CSV: every ASFF pair and every native type', () => {
    // Prepare
    const full = guardDutyTypeTableFromCsv(referenceCsv());

    // Act
    const decoded = decodeGuardDutyTypes(GUARDDUTY_TYPE_TABLE);

    // Assess: same pairs in the same order, and every native type (so its purpose, resource and family).
    expect([...decoded.asffToNative]).toEqual([...full.asffToNative]);
    expect(decoded.nativeTypes).toEqual(full.nativeTypes);
    expect([...ASFF_TYPE_TO_GUARDDUTY_TYPE]).toEqual([...full.asffToNative]);
    expect(GUARDDUTY_FINDING_TYPES).toEqual(full.nativeTypes);
    expect(full.asffToNative.size).toBeGreaterThan(200);
  });

  it('is up to date with the reference CSV (run `npx tsx scripts/gen-guardduty-types.ts` after it changes)', async () => {
    // Act
    const fresh = await renderGuardDutyTypesModule(referenceCsv());

    // Assess
    expect(readFileSync(DEFAULT_OUT, 'utf8')).toBe(fresh);
  });

  it('fails at load on an unknown prefix index or an ASFF type listed twice', () => {
    // Prepare
    const unknownPrefix: CompactGuardDutyTypes = { prefixes: ['TTPs'], types: { 'A:EC2': [['One', 1]] } };
    const twice: CompactGuardDutyTypes = {
      prefixes: ['TTPs'],
      types: { 'A:EC2': [['One', 0]], 'B:EC2': [['Two', 'TTPs/A:EC2-One']] },
    };

    // Act & Assess
    expect(() => decodeGuardDutyTypes(unknownPrefix)).toThrow('A:EC2/One names an unknown prefix #1');
    expect(() => decodeGuardDutyTypes(twice)).toThrow('ASFF type TTPs/A:EC2-One appears twice');
  });
});
