# The optional read-only lookup role: the cordon API assumes it to resolve a Name tag to instance ids for the
# console's request form (functions/lib/api/instance-lookup.ts). It can read instances and nothing else, and it
# trusts only the API's role, inside the organisation, with the same ExternalId as the member role. The API never
# assumes the member (containment) role; only the worker does.

data "aws_iam_policy_document" "lookup_trust" {
  count = var.lookup_role_enabled ? 1 : 0

  statement {
    sid     = "CordonApiOnly"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type = "AWS"
      # Empty only when api_role_arn is missing, which the role's precondition refuses.
      identifiers = var.api_role_arn == null ? [] : [var.api_role_arn]
    }

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

data "aws_iam_policy_document" "lookup" {
  count = var.lookup_role_enabled ? 1 : 0

  # EC2 Describe* actions take no resource-level scoping: "*" is the only resource IAM accepts for them.
  statement {
    sid       = "DescribeInstancesOnly"
    effect    = "Allow"
    actions   = ["ec2:DescribeInstances"]
    resources = ["*"]
  }
}

resource "aws_iam_role" "lookup" {
  count = var.lookup_role_enabled ? 1 : 0

  name                 = var.lookup_role_name
  description          = "Assumed by the cordon API to find instances by Name tag for its request form: ec2:DescribeInstances only."
  assume_role_policy   = data.aws_iam_policy_document.lookup_trust[0].json
  max_session_duration = 3600
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags

  lifecycle {
    precondition {
      condition     = var.api_role_arn != null
      error_message = "lookup_role_enabled needs api_role_arn: the cordon module's api_role_arn output."
    }
  }
}

resource "aws_iam_role_policy" "lookup" {
  count = var.lookup_role_enabled ? 1 : 0

  name   = "cordon-lookup"
  role   = aws_iam_role.lookup[0].id
  policy = data.aws_iam_policy_document.lookup[0].json
}
