# One execution role per function. Its policy is exactly:
#   - the IAM actions that function's code declares in functions/lib/permissions.ts (generated into
#     function-permissions.json by scripts/terraform-permissions.ts; a test fails when the file is stale), each
#     scoped to the resources of the kind the code names (local.permission_resources); and
#   - the Lambda platform's own needs: writing to the function's log group and to its dead-letter queue.
# No managed policies are attached, and no statement uses a wildcard action (test/terraform asserts both).

locals {
  function_permissions = jsondecode(file("${path.module}/function-permissions.json")).functions

  # The ARNs behind each kind of resource the code declares (PermissionResource in functions/lib/permissions.ts).
  # A kind without an entry here makes `terraform plan` fail, on purpose: someone must decide its scope.
  permission_resources = {
    table = [aws_dynamodb_table.this.arn, "${aws_dynamodb_table.this.arn}/index/*"]
    topic = [aws_sns_topic.this.arn]
    # Triage, approve, expire and the API may invoke the worker and nothing else.
    worker = [local.worker_function_arn]
    # The worker may assume only the member role name, in any account of the organisation (permission_conditions).
    member-role = ["arn:${local.partition}:iam::*:role/${var.member_role_name}"]
    # The API may assume only the read-only lookup role name (ec2:DescribeInstances), inside the organisation.
    lookup-role = ["arn:${local.partition}:iam::*:role/${var.lookup_role_name}"]
    # BatchUpdateFindings is authorised on the hub; BatchImportFindings on the account's default product.
    # The evidence the worker writes: the bucket's objects, and its key (through S3 only: permission_conditions).
    evidence-bucket = ["${local.evidence_bucket_arn}/*"]
    evidence-key    = [module.evidence_bucket.key_arn]
    # The API's evidence check: manifests' content, every version's attributes, the key for manifests only.
    evidence-manifests    = ["${local.evidence_bucket_arn}/*/manifest.json"]
    evidence-versions     = ["${local.evidence_bucket_arn}/*"]
    evidence-manifest-key = [module.evidence_bucket.key_arn]
    securityhub = [
      "arn:${local.partition}:securityhub:${local.region}:${local.account_id}:hub/default",
      "arn:${local.partition}:securityhub:${local.region}:${local.account_id}:product/${local.account_id}/default",
    ]
  }

  # Conditions on the statements of a kind of resource, beside its ARNs. The member role's ARN cannot name the
  # organisation, so aws:ResourceOrgID does: a role of that name in an account outside it is never assumed.
  permission_conditions = {
    member-role = [{ test = "StringEquals", variable = "aws:ResourceOrgID", values = [var.organization_id] }]
    lookup-role = [{ test = "StringEquals", variable = "aws:ResourceOrgID", values = [var.organization_id] }]
    # The evidence key only through S3, for the evidence bucket's objects.
    evidence-key = local.evidence_key_conditions
    # The evidence key for the API only through S3, for manifests: it never decrypts an artifact.
    evidence-manifest-key = local.evidence_manifest_key_conditions
  }

  # Roles whose code publishes to the encrypted topic; the KMS key policy lets them use the key via SNS.
  sns_publishers = [
    for name in keys(local.functions) : name
    if contains(flatten([for statement in local.function_permissions[name] : statement.actions]), "sns:Publish")
  ]
}

data "aws_iam_policy_document" "lambda_trust" {
  statement {
    sid     = "LambdaService"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "function" {
  for_each = local.functions

  name                 = local.function_names[each.key]
  description          = "Execution role of ${local.function_names[each.key]}: only what its code declares."
  assume_role_policy   = data.aws_iam_policy_document.lambda_trust.json
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

data "aws_iam_policy_document" "function" {
  for_each = local.functions

  statement {
    sid       = "WriteOwnLogs"
    effect    = "Allow"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.function[each.key].arn}:*"]
  }

  statement {
    sid       = "SendToOwnDeadLetterQueue"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.function_dlq[each.key].arn]
  }

  dynamic "statement" {
    for_each = local.function_permissions[each.key]
    content {
      sid       = statement.value.sid
      effect    = "Allow"
      actions   = statement.value.actions
      resources = local.permission_resources[statement.value.resource]

      dynamic "condition" {
        for_each = lookup(local.permission_conditions, statement.value.resource, [])
        content {
          test     = condition.value.test
          variable = condition.value.variable
          values   = condition.value.values
        }
      }
    }
  }
}

resource "aws_iam_role_policy" "function" {
  for_each = local.functions

  name   = "least-privilege"
  role   = aws_iam_role.function[each.key].id
  policy = data.aws_iam_policy_document.function[each.key].json
}
