# Plans the member role against a mocked AWS provider (no credentials, no network).

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "222222222222" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  # The provider still checks that policies are JSON; the runs assert the documents' statements instead.
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
}

variables {
  role_name       = "cordon-member-ci"
  worker_role_arn = "arn:aws:iam::111111111111:role/cordon-ci-isolate"
  organization_id = "o-exampleorg1"
  external_id     = "ci-external-id"
}

run "trusts_only_the_worker_inside_the_organisation" {
  command = plan

  assert {
    condition = (
      length(data.aws_iam_policy_document.trust.statement) == 1 &&
      one(data.aws_iam_policy_document.trust.statement).actions == toset(["sts:AssumeRole"]) &&
      one(one(data.aws_iam_policy_document.trust.statement).principals).type == "AWS" &&
      one(one(data.aws_iam_policy_document.trust.statement).principals).identifiers == toset([var.worker_role_arn])
    )
    error_message = "The member role must trust only the worker role, for sts:AssumeRole."
  }

  assert {
    condition = {
      for c in one(data.aws_iam_policy_document.trust.statement).condition : c.variable => "${c.test} ${join(",", c.values)}"
      } == {
      "aws:PrincipalOrgID" = "StringEquals o-exampleorg1"
      "sts:ExternalId"     = "StringEquals ci-external-id"
    }
    error_message = "The trust policy must require the organisation id and the external id."
  }

  assert {
    condition     = aws_iam_role.this.name == "cordon-member-ci" && aws_iam_role.this.max_session_duration == 3600
    error_message = "Role name or session duration changed."
  }
}

run "permissions_are_the_generated_ones_and_protect_the_role" {
  command = plan

  assert {
    condition = toset(flatten([
      for st in data.aws_iam_policy_document.this.statement : tolist(st.actions) if st.effect == "Allow"
      ])) == toset(flatten([
      for st in jsondecode(file("permissions.json")).statements : st.actions if !st.identityCenterAdminOnly && !try(st.memoryCaptureOnly, false)
    ]))
    error_message = "The role must allow exactly the actions of permissions.json, less the Identity Center and memory-capture ones."
  }

  assert {
    condition = !anytrue([
      for st in data.aws_iam_policy_document.this.statement : anytrue([for action in st.actions : startswith(action, "ssm:")])
    ])
    error_message = "Without memory_capture_documents the role must hold no Systems Manager permission."
  }

  assert {
    condition = !anytrue([
      for st in data.aws_iam_policy_document.this.statement : anytrue([for action in st.actions : strcontains(action, "*")])
    ])
    error_message = "No statement may use a wildcard action."
  }

  assert {
    condition = anytrue([
      for st in data.aws_iam_policy_document.this.statement :
      st.effect == "Deny" && st.resources == toset(["arn:aws:iam::222222222222:role/cordon-member-ci"]) && contains(st.actions, "iam:PutRolePolicy")
    ])
    error_message = "The role must deny changing itself (NeverContainTheResponder)."
  }
}

run "refuses_a_trust_without_the_organisation" {
  command = plan

  variables {
    organization_id = null
  }

  expect_failures = [var.organization_id]
}

run "refuses_a_trust_without_the_external_id" {
  command = plan

  variables {
    external_id = null
  }

  expect_failures = [var.external_id]
}

# permissions.json with the module's placeholders filled in, each statement reduced to comparable sets.
run "statements_equal_permissions_json_conditions_included" {
  command = plan

  assert {
    condition = {
      for st in data.aws_iam_policy_document.this.statement : st.sid => {
        actions    = toset(st.actions)
        resources  = toset(st.resources)
        conditions = toset([for c in st.condition : "${c.test} ${c.variable} ${join(",", sort(tolist(c.values)))}"])
      } if st.effect == "Allow"
      } == {
      for st in jsondecode(templatefile("permissions.json", { partition = "aws", account_id = "222222222222" })).statements : st.sid => {
        actions    = toset(st.actions)
        resources  = toset(st.resources)
        conditions = toset([for c in st.conditions : "${c.test} ${c.variable} ${join(",", sort(c.values))}"])
      } if !st.identityCenterAdminOnly && !try(st.memoryCaptureOnly, false)
    }
    error_message = "Every Allow statement must equal its permissions.json statement: actions, resources and conditions."
  }

  assert {
    condition = anytrue([
      for st in data.aws_iam_policy_document.this.statement :
      st.effect == "Allow" && contains(st.actions, "ec2:AuthorizeSecurityGroupIngress") &&
      st.resources == toset(["arn:aws:ec2:*:222222222222:security-group/*"]) &&
      [for c in st.condition : "${c.test} ${c.variable} ${join(",", sort(tolist(c.values)))}"] == ["StringEquals aws:ResourceTag/cordon:role flow-cut,isolation"]
    ])
    error_message = "Security-group rule changes must be allowed only on this account's groups tagged cordon:role=isolation or flow-cut."
  }
}

run "denies_protected_principals" {
  command = plan

  variables {
    protected_principal_arns = ["arn:aws:iam::*:role/break-glass-*"]
  }

  assert {
    condition = anytrue([
      for st in data.aws_iam_policy_document.this.statement :
      st.sid == "NeverTouchProtectedPrincipals" && st.effect == "Deny" &&
      st.resources == toset([
        "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole",
        "arn:aws:iam::222222222222:role/aws-reserved/*",
        "arn:aws:iam::222222222222:role/aws-service-role/*",
        "arn:aws:iam::*:role/break-glass-*",
      ]) &&
      st.actions == toset(jsondecode(file("permissions.json")).selfProtectionActions) &&
      contains(st.actions, "iam:PutRolePolicy") && contains(st.actions, "iam:PassRole")
    ])
    error_message = "The role must deny its IAM writes (PassRole included) on OrganizationAccountAccessRole, aws-reserved, service-linked roles and the operator's protected ARNs."
  }
}

run "refuses_a_protected_arn_that_is_not_a_role_or_user" {
  command = plan

  variables {
    protected_principal_arns = ["arn:aws:iam::222222222222:group/admins"]
  }

  expect_failures = [var.protected_principal_arns]
}

run "identity_center_admin_account_gets_every_generated_action" {
  command = plan

  variables {
    identity_center_admin    = true
    memory_capture_documents = ["Org-AVML-Capture"]
  }

  assert {
    condition = toset(flatten([
      for st in data.aws_iam_policy_document.this.statement : tolist(st.actions) if st.effect == "Allow"
    ])) == toset(jsondecode(file("permissions.json")).actions)
    error_message = "In the Identity Center administration account, with memory capture, the role must allow exactly the actions of permissions.json."
  }
}

run "grants_memory_capture_only_on_the_listed_documents_and_instances" {
  command = plan

  variables {
    memory_capture_documents = ["Org-AVML-Capture", "arn:aws:ssm:eu-west-1:333333333333:document/Shared-LiME"]
  }

  assert {
    condition = toset(flatten([
      for st in data.aws_iam_policy_document.this.statement : tolist(st.actions) if st.effect == "Allow"
      ])) == toset(flatten([
      for st in jsondecode(file("permissions.json")).statements : st.actions if !st.identityCenterAdminOnly
    ]))
    error_message = "With memory_capture_documents the role must allow the memory-capture actions too."
  }

  assert {
    condition = [
      for st in data.aws_iam_policy_document.this.statement : st.resources if contains(st.actions, "ssm:SendCommand")
      ] == [toset([
        "arn:aws:ec2:*:222222222222:instance/*",
        "arn:aws:ssm:*:222222222222:document/Org-AVML-Capture",
        "arn:aws:ssm:eu-west-1:333333333333:document/Shared-LiME",
    ])]
    error_message = "ssm:SendCommand must be granted on the listed documents and this account's instances only."
  }

  assert {
    condition = [
      for st in data.aws_iam_policy_document.this.statement : st.resources if contains(st.actions, "ssm:DescribeDocument")
      ] == [toset([
        "arn:aws:ssm:*:222222222222:document/Org-AVML-Capture",
        "arn:aws:ssm:eu-west-1:333333333333:document/Shared-LiME",
    ])]
    error_message = "ssm:DescribeDocument must be granted on the listed documents only."
  }
}

run "refuses_an_aws_owned_capture_document" {
  command = plan

  variables {
    memory_capture_documents = ["AWS-RunShellScript"]
  }

  expect_failures = [var.memory_capture_documents]
}

run "creates_no_lookup_role_by_default" {
  command = plan

  assert {
    condition     = length(aws_iam_role.lookup) == 0 && length(aws_iam_role_policy.lookup) == 0
    error_message = "The lookup role is opt-in: lookup_role_enabled defaults to false."
  }
}

run "lookup_role_reads_instances_only_and_trusts_only_the_api" {
  command = plan

  variables {
    lookup_role_enabled = true
    api_role_arn        = "arn:aws:iam::111111111111:role/cordon-ci-api"
  }

  assert {
    condition = (
      aws_iam_role.lookup[0].name == "cordon-lookup" &&
      length(data.aws_iam_policy_document.lookup[0].statement) == 1 &&
      one(data.aws_iam_policy_document.lookup[0].statement).actions == toset(["ec2:DescribeInstances"]) &&
      one(data.aws_iam_policy_document.lookup[0].statement).effect == "Allow"
    )
    error_message = "The lookup role must allow ec2:DescribeInstances and nothing else."
  }

  assert {
    condition = (
      length(data.aws_iam_policy_document.lookup_trust[0].statement) == 1 &&
      one(data.aws_iam_policy_document.lookup_trust[0].statement).actions == toset(["sts:AssumeRole"]) &&
      one(one(data.aws_iam_policy_document.lookup_trust[0].statement).principals).identifiers == toset(["arn:aws:iam::111111111111:role/cordon-ci-api"])
    )
    error_message = "The lookup role must trust only the API's role."
  }

  assert {
    condition = {
      for c in one(data.aws_iam_policy_document.lookup_trust[0].statement).condition : c.variable => "${c.test} ${join(",", c.values)}"
      } == {
      "aws:PrincipalOrgID" = "StringEquals o-exampleorg1"
      "sts:ExternalId"     = "StringEquals ci-external-id"
    }
    error_message = "The lookup role's trust must require the organisation id and the external id."
  }
}

run "lookup_role_needs_the_api_role" {
  command = plan

  variables {
    lookup_role_enabled = true
  }

  expect_failures = [aws_iam_role.lookup]
}
