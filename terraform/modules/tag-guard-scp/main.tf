# A service control policy that makes cordon's tags trustworthy: without it, anyone with ec2:CreateTags or
# iam:TagUser can tag a compromised resource exempt, or forge an isolation id, and containment is refused or
# skipped. SCPs do not apply to the management account nor to service-linked roles (see docs/iam.md).

locals {
  guarded_keys = ["${var.tag_key_prefix}*"]
  not_allowed  = { "ArnNotLike" = { "aws:PrincipalArn" = var.allowed_principal_arns } }

  # Every API that sets or removes tags on what cordon contains or reads tags from: EC2 instances (and the
  # launch paths that tag them), IAM users and roles, and Auto Scaling groups (tags they propagate to instances).
  tagging_actions = [
    "ec2:CreateTags",
    "ec2:DeleteTags",
    "iam:TagUser",
    "iam:UntagUser",
    "iam:TagRole",
    "iam:UntagRole",
    "autoscaling:CreateOrUpdateTags",
    "autoscaling:DeleteTags",
  ]

  statements = [
    {
      Sid       = "DenyCordonTagChangesByOthers"
      Effect    = "Deny"
      Action    = local.tagging_actions
      Resource  = "*"
      Condition = merge(local.not_allowed, { "ForAnyValue:StringLike" = { "aws:TagKeys" = local.guarded_keys } })
    },
    {
      # ec2:DeleteTags without keys deletes every tag, and then aws:TagKeys is absent from the request.
      Sid       = "DenyDeleteAllTagsByOthers"
      Effect    = "Deny"
      Action    = ["ec2:DeleteTags"]
      Resource  = "*"
      Condition = merge(local.not_allowed, { "Null" = { "aws:TagKeys" = "true" } })
    },
    {
      # An Auto Scaling group created with a guarded tag would propagate it to the instances it launches.
      Sid       = "DenyGroupsCreatedWithCordonTags"
      Effect    = "Deny"
      Action    = ["autoscaling:CreateAutoScalingGroup"]
      Resource  = "*"
      Condition = merge(local.not_allowed, { "ForAnyValue:StringLike" = { "aws:TagKeys" = local.guarded_keys } })
    },
  ]
}

resource "aws_organizations_policy" "this" {
  name        = var.name
  description = "Only cordon and its administrators may set or remove ${var.tag_key_prefix}* tags."
  type        = "SERVICE_CONTROL_POLICY"
  content     = jsonencode({ Version = "2012-10-17", Statement = local.statements })
  tags        = var.tags
}

resource "aws_organizations_policy_attachment" "target" {
  for_each = toset(var.target_ids)

  policy_id = aws_organizations_policy.this.id
  target_id = each.value
}
