/**
 * Lambda environment variables in the evidence (docs/evidence.md): by default each variable is stored as its name
 * and the SHA-256 of its value, never the value, so the evidence bucket is not a second copy of the function's
 * secrets; a rule that sets `evidence: { lambdaEnvironment: raw }` keeps the values. Against moto.
 */
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../functions/lib/evidence/hash.js';
import { useMoto } from '../support/moto.js';
import { testMemberClients } from '../support/member-clients.js';
import { motoActionContext } from '../actions/support/action-context.js';
import { functionResource, seedFunction } from '../actions/support/lambda-state.js';
import { unique } from '../pipeline/support.js';
import { collect, containedRecord } from './support.js';

const moto = useMoto({ resetEach: false });

const SECRET = 'postgres://app:hunter2-very-secret@db.internal:5432/orders';

/** A function whose environment holds a secret and an empty value. */
async function functionWithSecret(): Promise<string> {
  const seed = testMemberClients(moto.clientConfig());
  const name = unique('evidence-env');
  await seedFunction(seed, name);
  await seed.lambda.updateFunctionConfiguration({
    FunctionName: name,
    Environment: { Variables: { DATABASE_URL: SECRET, EMPTY: '' } },
  });
  return name;
}

function storedText(objects: Map<string, Uint8Array>): string[] {
  return [...objects.values()].map((bytes) => new TextDecoder().decode(bytes));
}

describe('Evidence: Lambda environment variables', () => {
  it('stores each name with the SHA-256 and size of its value by default, and no value anywhere', async () => {
    // Prepare
    const test = motoActionContext(moto);
    const name = await functionWithSecret();

    // Act
    const { read, writer } = await collect(test, containedRecord(functionResource(name)));

    // Assess
    expect(storedText(writer.objects).filter((text) => text.includes('hunter2'))).toEqual([]);
    const fn = read('lambda/function.json');
    expect(fn).toMatchObject({
      Configuration: {
        FunctionName: name,
        Environment: {
          Variables: {
            DATABASE_URL: { sha256: sha256Hex(new TextEncoder().encode(SECRET)), bytes: SECRET.length },
            EMPTY: { sha256: sha256Hex(new Uint8Array()), bytes: 0 },
          },
          ValuesStored: expect.stringContaining('hashed'),
        },
      },
    });
  });

  it('keeps the values when the rule opts in with lambdaEnvironment: raw', async () => {
    // Prepare
    const test = motoActionContext(moto);
    const name = await functionWithSecret();

    // Act
    const { read } = await collect(test, containedRecord(functionResource(name)), {
      lambdaEnvironment: 'raw',
    });

    // Assess
    expect(read('lambda/function.json')).toMatchObject({
      Configuration: { Environment: { Variables: { DATABASE_URL: SECRET, EMPTY: '' } } },
    });
  });
});
