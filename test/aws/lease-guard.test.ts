/**
 * The lease guard's decisions, with a fake clock and a fake renewal, and its middleware on an SDK client whose
 * request handler is a stub that counts sends (nothing leaves the process; the live behaviour against moto is in
 * test/resilience/lease.test.ts).
 */
import { EC2Client, ModifyNetworkInterfaceAttributeCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { LeaseLostError } from '../../functions/lib/errors.js';
import {
  LeaseGuard,
  attachLeaseGuard,
  currentLease,
  isReadOnlyCommand,
  runWithLease,
} from '../../functions/lib/aws/lease-guard.js';

const LEASE_MS = 60_000;

function guardAt(options: { renew?: (until: Date) => Promise<void> } = {}) {
  let now = 1_000_000;
  const renewals: Date[] = [];
  const guard = new LeaseGuard({
    isolationId: 'iso-1',
    leaseId: 'token-1',
    expiresAt: new Date(now + LEASE_MS),
    leaseMs: LEASE_MS,
    now: () => new Date(now),
    renew:
      options.renew ??
      (async (until) => {
        renewals.push(until);
      }),
  });
  return { guard, renewals, advance: (ms: number) => void (now += ms), now: () => now };
}

describe('Lease guard', () => {
  it('tells reads from mutations by the command name', () => {
    expect(isReadOnlyCommand('DescribeNetworkInterfacesCommand')).toBe(true);
    expect(isReadOnlyCommand('GetUser')).toBe(true);
    expect(isReadOnlyCommand('ListAttachedUserPolicies')).toBe(true);
    expect(isReadOnlyCommand('ModifyNetworkInterfaceAttributeCommand')).toBe(false);
    expect(isReadOnlyCommand('PutUserPolicy')).toBe(false);
  });

  it('lets a fresh lease through without renewing it', async () => {
    const { guard, renewals } = guardAt();
    await guard.beforeCommand('ModifyNetworkInterfaceAttributeCommand');
    expect(renewals).toEqual([]);
    expect(guard.lost).toBeUndefined();
  });

  it('renews a lease near its expiry before the command, once for concurrent commands', async () => {
    const { guard, renewals, advance, now } = guardAt();
    advance(35_000);
    await Promise.all([
      guard.beforeCommand('ModifyNetworkInterfaceAttributeCommand'),
      guard.beforeCommand('CreateTagsCommand'),
    ]);
    expect(renewals).toEqual([new Date(now() + LEASE_MS)]);
    expect(guard.expiresAt).toEqual(new Date(now() + LEASE_MS));
  });

  it('refuses a mutation past the expiry minus the safety margin, and everything after it', async () => {
    const { guard, renewals, advance } = guardAt();
    advance(LEASE_MS - 5_000);
    // A read may still proceed: it exposes nothing.
    await guard.beforeCommand('DescribeInstancesCommand');
    await expect(guard.beforeCommand('ModifyNetworkInterfaceAttributeCommand')).rejects.toBeInstanceOf(
      LeaseLostError,
    );
    expect(guard.lost).toBeInstanceOf(LeaseLostError);
    // Once fenced, nothing is sent, not even reads.
    await expect(guard.beforeCommand('DescribeInstancesCommand')).rejects.toBe(guard.lost);
    expect(renewals).toEqual([]);
  });

  it('is fenced when the renewal finds another token on the record', async () => {
    const cause = new Error('ConditionalCheckFailedException');
    const { guard, advance } = guardAt({
      renew: async () => {
        throw new LeaseLostError('taken over', { cause });
      },
    });
    advance(40_000);
    await expect(guard.beforeCommand('DescribeInstancesCommand')).rejects.toBeInstanceOf(LeaseLostError);
    expect(guard.lost?.cause).toBe(cause);
  });

  it('is the current lease inside runWithLease only', async () => {
    const { guard } = guardAt();
    expect(currentLease()).toBeUndefined();
    const inside = await runWithLease(guard, async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return currentLease();
    });
    expect(inside).toBe(guard);
    expect(currentLease()).toBeUndefined();
  });

  it("checks every attempt of a member-account command, including the SDK's retries", async () => {
    // Prepare: the first attempt is throttled, and by the retry the lease has run out
    const { guard, advance } = guardAt();
    let sends = 0;
    const client = attachLeaseGuard(
      new EC2Client({
        region: 'eu-west-1',
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
        maxAttempts: 2,
        requestHandler: {
          handle: async () => {
            sends += 1;
            advance(LEASE_MS);
            const error = new Error('Rate exceeded');
            error.name = 'ThrottlingException';
            throw error;
          },
        },
      }),
    );
    const modify = new ModifyNetworkInterfaceAttributeCommand({
      NetworkInterfaceId: 'eni-1',
      Groups: ['sg-1'],
    });

    // Act
    const sent = runWithLease(guard, () => client.send(modify));

    // Assess
    await expect(sent).rejects.toBeInstanceOf(LeaseLostError);
    expect(sends).toBe(1);
    expect(guard.lost).toBeInstanceOf(LeaseLostError);
    // Outside a run's lease, the middleware stays out of the way.
    await expect(client.send(modify)).rejects.toThrow(/Rate exceeded/);
    expect(sends).toBeGreaterThan(1);
  });
});
