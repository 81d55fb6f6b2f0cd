/** Requesting an Identity Center user by the session ARN CloudTrail and findings show (POST /isolations). */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../functions/lib/errors.js';
import { requestedResource } from '../../functions/lib/resources/registry.js';

const ACCOUNT = '222222222222';
const ROLE = 'AWSReservedSSO_AdministratorAccess_0123456789abcdef';

function request(resourceId: string, accountId = ACCOUNT) {
  return requestedResource('identity-center-user', { accountId, region: 'eu-west-1', resourceId });
}

describe('identity-center-user requests', () => {
  it('builds the user, its role and permission set from the session ARN', () => {
    // Act
    const resource = request(`arn:aws:sts::${ACCOUNT}:assumed-role/${ROLE}/pat@example.com`);

    // Assess
    expect(resource).toEqual({
      type: 'identity-center-user',
      id: 'pat@example.com',
      userName: 'pat@example.com',
      roleName: ROLE,
      permissionSetName: 'AdministratorAccess',
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${ROLE}/pat@example.com`,
      accountId: ACCOUNT,
      region: 'eu-west-1',
      tags: {},
    });
  });

  it.each([
    ['a bare user name', 'pat@example.com'],
    [
      'a session of a role Identity Center did not provision',
      `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/pat@example.com`,
    ],
    ['a role ARN', `arn:aws:iam::${ACCOUNT}:role/${ROLE}`],
    ['a session name with a slash', `arn:aws:sts::${ACCOUNT}:assumed-role/${ROLE}/pat/x`],
  ])('refuses %s', (_, resourceId) => {
    expect(() => request(resourceId)).toThrow(ValidationError);
  });

  it('refuses a session ARN of another account than the request names', () => {
    expect(() => request(`arn:aws:sts::333333333333:assumed-role/${ROLE}/pat@example.com`)).toThrow(
      /another account or region/,
    );
  });
});
