# Plans against a mocked AWS provider: no credentials and no calls to AWS.
mock_provider "aws" {}

variables {
  allowed_principal_arns = ["arn:aws:iam::*:role/cordon-member", "arn:aws:iam::111111111111:role/security-admin"]
  target_ids             = ["ou-ab12-cdef3456", "222222222222"]
}

run "denies_guarded_tag_changes_to_everyone_else" {
  command = plan

  assert {
    condition     = aws_organizations_policy.this.type == "SERVICE_CONTROL_POLICY"
    error_message = "the policy must be a service control policy"
  }

  assert {
    condition = alltrue([
      for statement in jsondecode(aws_organizations_policy.this.content).Statement :
      statement.Effect == "Deny" && jsonencode(statement.Condition.ArnNotLike["aws:PrincipalArn"]) == jsonencode(var.allowed_principal_arns)
    ])
    error_message = "every statement must deny, and spare only the allowed principals"
  }

  assert {
    condition = contains(
      jsondecode(aws_organizations_policy.this.content).Statement[0].Action, "iam:TagUser"
      ) && contains(
      jsondecode(aws_organizations_policy.this.content).Statement[0].Action, "ec2:CreateTags"
    )
    error_message = "tagging IAM users and EC2 instances must be guarded"
  }

  assert {
    condition     = jsondecode(aws_organizations_policy.this.content).Statement[0].Condition["ForAnyValue:StringLike"]["aws:TagKeys"][0] == "cordon:*"
    error_message = "the guarded keys must be cordon:*"
  }

  assert {
    condition     = jsondecode(aws_organizations_policy.this.content).Statement[1].Condition.Null["aws:TagKeys"] == "true"
    error_message = "deleting every tag at once (no keys) must be denied too"
  }

  assert {
    condition     = length(aws_organizations_policy_attachment.target) == 2
    error_message = "the policy must be attached to every target"
  }
}

run "rejects_a_wildcard_prefix" {
  command = plan

  variables {
    tag_key_prefix = "cordon*"
  }

  expect_failures = [var.tag_key_prefix]
}
