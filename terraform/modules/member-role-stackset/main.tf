# The member role in every account of the given organisational units, through a service-managed
# CloudFormation StackSet: accounts that join those OUs later get the role automatically.
#
# The role is the same as modules/member-role's: the same permissions.json (generated from the action
# registry), the same trust policy (the worker role only, with mandatory aws:PrincipalOrgID and sts:ExternalId),
# the same self-protection and protected-principal denies. ARNs use CloudFormation's own pseudo parameters instead of Terraform's.

locals {
  permissions = jsondecode(templatefile("${path.module}/../member-role/permissions.json", {
    partition  = "$${AWS::Partition}"
    account_id = "$${AWS::AccountId}"
  }))

  trust_conditions = {
    "aws:PrincipalOrgID" = var.organization_id
    "sts:ExternalId"     = var.external_id
  }

  # IAM Identity Center statements never go to the OUs' accounts: deploy modules/member-role with
  # identity_center_admin = true in the one account that administers Identity Center.
  # Memory-capture statements only when documents are listed (see modules/member-role), with their ARNs added.
  memory_capture_document_arns = [
    for document in var.memory_capture_documents :
    startswith(document, "arn:") ? document : "arn:$${AWS::Partition}:ssm:*:$${AWS::AccountId}:document/${document}"
  ]

  allow_statements = [
    for statement in local.permissions.statements : merge(
      {
        Sid    = statement.sid
        Effect = "Allow"
        Action = statement.actions
        Resource = [
          for resource in concat(statement.resources, try(statement.addMemoryCaptureDocuments, false) ? local.memory_capture_document_arns : []) :
          { "Fn::Sub" = resource }
        ]
      },
      # One operator block per test, holding every key tested with it (two conditions may share a test).
      length(statement.conditions) == 0 ? {} : {
        Condition = {
          for test in distinct([for condition in statement.conditions : condition.test]) : test => {
            for condition in statement.conditions : condition.variable => condition.values if condition.test == test
          }
        }
      },
    ) if !statement.identityCenterAdminOnly && (length(var.memory_capture_documents) > 0 || !try(statement.memoryCaptureOnly, false))
  ]

  # A for expression, not a conditional: the two statements' types differ, and a conditional would unify them.
  deny_statements = [for statement in [
    {
      Sid      = "NeverContainTheResponder"
      Effect   = "Deny"
      Action   = local.permissions.selfProtectionActions
      Resource = { "Fn::Sub" = "arn:$${AWS::Partition}:iam::$${AWS::AccountId}:role/${var.role_name}" }
    },
    {
      # OrganizationAccountAccessRole, aws-reserved/*, aws-service-role/* and the operator's list.
      Sid      = "NeverTouchProtectedPrincipals"
      Effect   = "Deny"
      Action   = local.permissions.selfProtectionActions
      Resource = [for arn in concat(local.permissions.protectedRoleArns, var.protected_principal_arns) : { "Fn::Sub" = arn }]
    },
  ] : statement if length(local.permissions.selfProtectionActions) > 0]

  template = {
    AWSTemplateFormatVersion = "2010-09-09"
    Description              = "cordon member role: assumed by the cordon isolation worker to contain compromised resources."
    Resources = {
      CordonMemberRole = {
        Type = "AWS::IAM::Role"
        Properties = {
          RoleName           = var.role_name
          Description        = "Assumed by the cordon isolation worker to contain compromised resources in this account."
          MaxSessionDuration = 3600
          AssumeRolePolicyDocument = {
            Version = "2012-10-17"
            Statement = [merge(
              {
                Sid       = "CordonWorkerOnly"
                Effect    = "Allow"
                Principal = { AWS = var.worker_role_arn }
                Action    = "sts:AssumeRole"
              },
              length(local.trust_conditions) == 0 ? {} : { Condition = { StringEquals = local.trust_conditions } },
            )]
          }
          Policies = [{
            PolicyName = "cordon-containment"
            PolicyDocument = {
              Version   = "2012-10-17"
              Statement = concat(local.allow_statements, local.deny_statements)
            }
          }]
        }
      }
    }
    Outputs = {
      RoleArn = { Value = { "Fn::GetAtt" = ["CordonMemberRole", "Arn"] } }
    }
  }
}

resource "aws_cloudformation_stack_set" "this" {
  name             = var.name
  description      = "cordon member role (${var.role_name}) in every account of the target OUs."
  permission_model = "SERVICE_MANAGED"
  call_as          = var.call_as
  capabilities     = ["CAPABILITY_NAMED_IAM"]
  template_body    = jsonencode(local.template)
  tags             = var.tags

  auto_deployment {
    enabled                          = true
    retain_stacks_on_account_removal = false
  }

  operation_preferences {
    failure_tolerance_percentage = 0
    max_concurrent_percentage    = var.max_concurrent_percentage
    region_concurrency_type      = "SEQUENTIAL"
  }

  lifecycle {
    precondition {
      condition     = length(local.permissions.actions) > 0
      error_message = "permissions.json lists no permissions: run `npx tsx scripts/terraform-permissions.ts`."
    }
  }
}

resource "aws_cloudformation_stack_set_instance" "this" {
  stack_set_name = aws_cloudformation_stack_set.this.name
  call_as        = var.call_as
  region         = var.deployment_region

  deployment_targets {
    organizational_unit_ids = var.organizational_unit_ids
  }
}
