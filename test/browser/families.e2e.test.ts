/**
 * Browser end-to-end for the containment families (issue 14: "the console can request, approve and release each
 * new kind"): in Chromium against the sandbox, alice requests the isolation of an S3 bucket, a Lambda function
 * and an RDS instance created in moto's member account, bob approves and later releases each, and moto confirms
 * the resource contained, then exactly as it was.
 */
import { describe, expect, it } from 'vitest';
import type { MemberClients } from '../../functions/lib/aws/member-services.js';
import { SANDBOX_MEMBER_ACCOUNT } from '../../scripts/sandbox/environment.js';
import { functionState, seedFunction } from '../actions/support/lambda-state.js';
import { dbName, dbState, seedDb } from '../actions/support/rds-state.js';
import { bucketState, customerPolicy, seedBucket, statementsOf } from '../actions/support/s3-state.js';
import { useBrowserSandbox, waitForStatus } from './support.js';

describe('Console: the new containment families, requested, approved and released in Chromium', () => {
  // Script errors only: these cases do not check the console log.
  const browser = useBrowserSandbox({ consoleErrors: false });
  const { pageErrors } = browser;
  const as = (username: string) => browser.as(username);

  /** alice requests through the form, bob approves: the isolation's id once it is ISOLATED. */
  async function requestAndApprove(
    resourceType: string,
    resourceId: string,
    action: string,
  ): Promise<string> {
    const s = browser.sandbox;
    const alice = await as('alice');
    await alice.goto(`${s.url}/#/request`);
    await alice.selectOption('#resourceType', resourceType);
    await alice.fill('#accountId', SANDBOX_MEMBER_ACCOUNT);
    await alice.fill('#region', s.env.config.region);
    await alice.fill('#resourceId', resourceId);
    await alice.fill('#reason', `Suspicious activity on ${resourceId} (ticket SEC-77)`);
    await alice.selectOption('#action', action);
    await alice.click('#submit-request');
    await alice.waitForSelector('#detail-status');
    const id = decodeURIComponent(new URL(alice.url()).hash.replace('#/isolations/', ''));
    const bob = await as('bob');
    await bob.goto(`${s.url}/#/isolations/${encodeURIComponent(id)}`);
    await bob.waitForSelector('#approve');
    await bob.click('#approve');
    await waitForStatus(bob, 'ISOLATED');
    return id;
  }

  async function release(id: string): Promise<void> {
    const s = browser.sandbox;
    const bob = await as('bob');
    await bob.goto(`${s.url}/#/isolations/${encodeURIComponent(id)}`);
    await bob.waitForSelector('#release');
    await bob.fill('#decision-reason', 'Investigation closed: owner confirmed and rotated everything');
    await bob.click('#release');
    await waitForStatus(bob, 'RELEASED');
  }

  function member(): Promise<MemberClients> {
    return browser.member('e2e-families');
  }

  it('isolates an S3 bucket (Block Public Access, a Deny merged into its policy) and restores it', async () => {
    // Prepare
    const clients = await member();
    const bucket = `e2e-bucket-${process.pid}`;
    await seedBucket(clients.s3, bucket, { policy: customerPolicy(bucket) });
    const before = await bucketState(clients.s3, bucket);

    // Act
    const id = await requestAndApprove('s3-bucket', bucket, 'isolate-s3-bucket');
    const contained = await bucketState(clients.s3, bucket);
    await release(id);
    const after = await bucketState(clients.s3, bucket);

    // Assess
    expect(contained.block).toMatchObject({ BlockPublicAcls: true, RestrictPublicBuckets: true });
    const statements = statementsOf(contained.policy);
    expect(statements).toEqual(expect.arrayContaining(statementsOf(before.policy)));
    expect(statements.length).toBeGreaterThan(statementsOf(before.policy).length);
    expect(after).toEqual(before);
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('isolates a Lambda function (reserved concurrency 0) and restores it', async () => {
    // Prepare
    const clients = await member();
    const name = `e2e-function-${process.pid}`;
    await seedFunction(clients, name, {});
    const before = await functionState(clients.lambda, name);

    // Act
    const id = await requestAndApprove('lambda-function', name, 'isolate-lambda-function');
    const contained = await functionState(clients.lambda, name);
    await release(id);
    const after = await functionState(clients.lambda, name);

    // Assess
    expect(contained.reserved).toBe(0);
    expect(after).toEqual(before);
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('isolates an RDS instance (not public, the isolation group) and restores it', async () => {
    // Prepare
    const clients = await member();
    const db = await seedDb(clients.ec2, clients.rds, dbName('e2e-db'), { publiclyAccessible: true });
    const before = await dbState(clients.rds, db.instanceId);

    // Act
    const id = await requestAndApprove('rds-db-instance', db.instanceId, 'isolate-rds-instance');
    const contained = await dbState(clients.rds, db.instanceId);
    await release(id);
    const after = await dbState(clients.rds, db.instanceId);

    // Assess
    expect(before.publiclyAccessible).toBe(true);
    expect(contained.publiclyAccessible).toBe(false);
    expect(contained.instanceGroups).toHaveLength(1);
    expect(contained.instanceGroups).not.toEqual(before.instanceGroups);
    expect(after).toEqual(before);
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
