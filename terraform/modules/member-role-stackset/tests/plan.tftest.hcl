# Plans the StackSet against a mocked AWS provider and reads the CloudFormation template it deploys.

mock_provider "aws" {}

variables {
  name                     = "cordon-member-role-ci"
  role_name                = "cordon-member-ci"
  worker_role_arn          = "arn:aws:iam::111111111111:role/cordon-ci-isolate"
  organization_id          = "o-exampleorg1"
  external_id              = "ci-external-id"
  organizational_unit_ids  = ["ou-ab12-ciaccounts"]
  deployment_region        = "eu-west-1"
  protected_principal_arns = ["arn:aws:iam::*:role/break-glass-*"]
}

run "template_trusts_only_the_worker_and_protects_the_role" {
  command = plan

  assert {
    condition = jsondecode(aws_cloudformation_stack_set.this.template_body).Resources.CordonMemberRole.Properties.AssumeRolePolicyDocument.Statement == [{
      Sid       = "CordonWorkerOnly"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::111111111111:role/cordon-ci-isolate" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:PrincipalOrgID" = "o-exampleorg1", "sts:ExternalId" = "ci-external-id" } }
    }]
    error_message = "The member roles must trust only the worker role, inside the organisation, with the external id."
  }

  assert {
    condition = toset(flatten([
      for st in one(jsondecode(aws_cloudformation_stack_set.this.template_body).Resources.CordonMemberRole.Properties.Policies).PolicyDocument.Statement :
      st.Action if st.Effect == "Allow"
      ])) == toset(flatten([
      for st in jsondecode(file("../member-role/permissions.json")).statements : st.actions if !st.identityCenterAdminOnly && !try(st.memoryCaptureOnly, false)
    ]))
    error_message = "The member roles must allow exactly the actions of member-role/permissions.json, never the Identity Center ones, and no memory-capture one without memory_capture_documents."
  }

  assert {
    condition = anytrue([
      for st in one(jsondecode(aws_cloudformation_stack_set.this.template_body).Resources.CordonMemberRole.Properties.Policies).PolicyDocument.Statement :
      st.Effect == "Deny" && st.Sid == "NeverContainTheResponder"
    ])
    error_message = "The member roles must deny changing themselves."
  }

  assert {
    condition = {
      for st in one(jsondecode(aws_cloudformation_stack_set.this.template_body).Resources.CordonMemberRole.Properties.Policies).PolicyDocument.Statement :
      st.Sid => {
        actions   = toset(st.Action)
        resources = toset([for r in st.Resource : r["Fn::Sub"]])
        conditions = toset(flatten([
          for test, keys in try(st.Condition, {}) : [for key, values in keys : "${test} ${key} ${join(",", sort(values))}"]
        ]))
      } if st.Effect == "Allow"
      } == {
      for st in jsondecode(templatefile("../member-role/permissions.json", { partition = "$${AWS::Partition}", account_id = "$${AWS::AccountId}" })).statements :
      st.sid => {
        actions    = toset(st.actions)
        resources  = toset(st.resources)
        conditions = toset([for c in st.conditions : "${c.test} ${c.variable} ${join(",", sort(c.values))}"])
      } if !st.identityCenterAdminOnly && !try(st.memoryCaptureOnly, false)
    }
    error_message = "Every Allow statement of the template must equal its permissions.json statement: actions, resources and conditions."
  }

  assert {
    condition = [
      for st in one(jsondecode(aws_cloudformation_stack_set.this.template_body).Resources.CordonMemberRole.Properties.Policies).PolicyDocument.Statement : {
        effect    = st.Effect
        resources = [for r in st.Resource : r["Fn::Sub"]]
        actions   = toset(st.Action)
      } if st.Sid == "NeverTouchProtectedPrincipals"
      ] == [{
        effect = "Deny"
        resources = [
          "arn:$${AWS::Partition}:iam::$${AWS::AccountId}:role/OrganizationAccountAccessRole",
          "arn:$${AWS::Partition}:iam::$${AWS::AccountId}:role/aws-reserved/*",
          "arn:$${AWS::Partition}:iam::$${AWS::AccountId}:role/aws-service-role/*",
          "arn:aws:iam::*:role/break-glass-*",
        ]
        actions = toset(jsondecode(file("../member-role/permissions.json")).selfProtectionActions)
    }]
    error_message = "The member roles must deny their IAM writes on protected roles and the operator's protected ARNs."
  }

  assert {
    condition     = aws_cloudformation_stack_set.this.permission_model == "SERVICE_MANAGED" && aws_cloudformation_stack_set_instance.this.region == "eu-west-1"
    error_message = "A service-managed StackSet with one instance per account, in the deployment region."
  }
}

run "refuses_a_trust_without_the_organisation_or_external_id" {
  command = plan

  variables {
    organization_id = null
    external_id     = null
  }

  expect_failures = [var.organization_id, var.external_id]
}

run "grants_memory_capture_only_on_the_listed_documents" {
  command = plan

  variables {
    memory_capture_documents = ["Org-AVML-Capture"]
  }

  assert {
    condition = [
      for st in one(jsondecode(aws_cloudformation_stack_set.this.template_body).Resources.CordonMemberRole.Properties.Policies).PolicyDocument.Statement :
      toset([for r in st.Resource : r["Fn::Sub"]]) if st.Effect == "Allow" && contains(st.Action, "ssm:SendCommand")
      ] == [toset([
        "arn:$${AWS::Partition}:ec2:*:$${AWS::AccountId}:instance/*",
        "arn:$${AWS::Partition}:ssm:*:$${AWS::AccountId}:document/Org-AVML-Capture",
    ])]
    error_message = "ssm:SendCommand must be granted on the listed documents and the account's instances only."
  }
}
