# The role cordon's isolation worker assumes in a member account.
#
# Its permissions are generated from the action registry (scripts/terraform-permissions.ts writes
# permissions.json; a test fails when the file is stale), so they are exactly the union of the permissions
# the registered actions declare. Each permission sits in the narrowest statement IAM allows; the `why` of
# every statement in permissions.json explains the cases where IAM does not allow resource scoping
# (EC2 Describe*, containment of arbitrary instances, snapshots, shared VPCs).

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  # permissions.json holds ${partition} and ${account_id} placeholders for resource ARNs.
  permissions = jsondecode(templatefile("${path.module}/permissions.json", {
    partition  = data.aws_partition.current.partition
    account_id = data.aws_caller_identity.current.account_id
  }))
  role_arn       = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:role/${var.role_name}"
  protected_arns = concat(local.permissions.protectedRoleArns, var.protected_principal_arns)
  # Memory capture (evidence through SSM Run Command, off by default) names the documents it may run: a name is
  # a document of this account in any region, an ARN a document shared with it.
  memory_capture_document_arns = [
    for document in var.memory_capture_documents :
    startswith(document, "arn:") ? document : "arn:${data.aws_partition.current.partition}:ssm:*:${data.aws_caller_identity.current.account_id}:document/${document}"
  ]
  # IAM Identity Center statements only in the account that administers it (management or delegated admin);
  # memory-capture statements only when documents are listed, with those documents' ARNs added.
  statements = [
    for statement in local.permissions.statements : merge(statement, {
      resources = try(statement.addMemoryCaptureDocuments, false) ? concat(statement.resources, local.memory_capture_document_arns) : statement.resources
    })
    if(var.identity_center_admin || !statement.identityCenterAdminOnly) && (length(var.memory_capture_documents) > 0 || !try(statement.memoryCaptureOnly, false))
  ]
}

data "aws_iam_policy_document" "trust" {
  statement {
    sid     = "CordonWorkerOnly"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "AWS"
      identifiers = [var.worker_role_arn]
    }

    # Both are mandatory: the worker's role alone is not enough (a confused deputy or a copy of it outside the
    # organisation must not get in).
    condition {
      test     = "StringEquals"
      variable = "aws:PrincipalOrgID"
      values   = [var.organization_id]
    }

    condition {
      test     = "StringEquals"
      variable = "sts:ExternalId"
      values   = [var.external_id]
    }
  }
}

data "aws_iam_policy_document" "this" {
  dynamic "statement" {
    for_each = local.statements
    content {
      sid       = statement.value.sid
      effect    = "Allow"
      actions   = statement.value.actions
      resources = statement.value.resources

      dynamic "condition" {
        for_each = statement.value.conditions
        content {
          test     = condition.value.test
          variable = condition.value.variable
          values   = condition.value.values
        }
      }
    }
  }

  # Defence in depth behind the guards in the code: the responder can never contain its own role.
  dynamic "statement" {
    for_each = length(local.permissions.selfProtectionActions) == 0 ? [] : [local.permissions.selfProtectionActions]
    content {
      sid       = "NeverContainTheResponder"
      effect    = "Deny"
      actions   = statement.value
      resources = [local.role_arn]
    }
  }

  # Nor the organisation's administration role, AWS-reserved and service-linked roles, or the operator's list.
  dynamic "statement" {
    for_each = length(local.permissions.selfProtectionActions) == 0 ? [] : [local.permissions.selfProtectionActions]
    content {
      sid       = "NeverTouchProtectedPrincipals"
      effect    = "Deny"
      actions   = statement.value
      resources = local.protected_arns
    }
  }
}

resource "aws_iam_role" "this" {
  name                 = var.role_name
  description          = "Assumed by the cordon isolation worker to contain compromised resources in this account."
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  max_session_duration = var.max_session_duration
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags

  lifecycle {
    precondition {
      condition     = length(local.permissions.actions) > 0
      error_message = "permissions.json lists no permissions: run `npx tsx scripts/terraform-permissions.ts` after the actions declare theirs."
    }
  }
}

resource "aws_iam_role_policy" "this" {
  name   = "cordon-containment"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.this.json
}
