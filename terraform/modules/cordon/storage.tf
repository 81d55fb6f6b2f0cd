# Isolation records (DynamoDB) and notifications (SNS, KMS-encrypted).

locals {
  # Key schema and indexes of functions/lib/store/model.ts (TABLE_KEYS, TABLE_INDEXES, TABLE_TTL_ATTRIBUTE).
  # test/terraform asserts they are equal, so the store never queries an index that does not exist.
  table_hash_key      = "pk"
  table_range_key     = "sk"
  table_ttl_attribute = "ttl"
  table_indexes = [
    { name = "by-status", hash_key = "status", range_key = "createdAt" },
    { name = "by-account", hash_key = "accountId", range_key = "createdAt" },
    { name = "by-resource", hash_key = "resourceId", range_key = "createdAt" },
    { name = "by-time", hash_key = "kind", range_key = "createdAt" },
    { name = "pending-reports", hash_key = "reportsPending", range_key = "updatedAt" },
  ]
  # Every key attribute is a string.
  table_attributes = distinct(concat(
    [local.table_hash_key, local.table_range_key],
    flatten([for index in local.table_indexes : [index.hash_key, index.range_key]]),
  ))
}

resource "aws_dynamodb_table" "this" {
  name         = "${local.name}-isolations"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = local.table_hash_key
  range_key    = local.table_range_key

  deletion_protection_enabled = var.table_deletion_protection

  dynamic "attribute" {
    for_each = local.table_attributes
    content {
      name = attribute.value
      type = "S"
    }
  }

  dynamic "global_secondary_index" {
    for_each = local.table_indexes
    content {
      name            = global_secondary_index.value.name
      hash_key        = global_secondary_index.value.hash_key
      range_key       = global_secondary_index.value.range_key
      projection_type = "ALL"
    }
  }

  # Hourly counters and dedupe markers carry an epoch-seconds expiry; isolation records never do.
  ttl {
    attribute_name = local.table_ttl_attribute
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  # KMS encryption at rest with the AWS managed key (aws/dynamodb): no key policy for the roles to manage.
  server_side_encryption {
    enabled = true
  }

  tags = var.tags
}

data "aws_iam_policy_document" "topic_key" {
  statement {
    sid       = "AccountAdministration"
    effect    = "Allow"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  # CloudWatch alarms publish to the encrypted topic; the AWS managed SNS key cannot allow them. Only this
  # account's alarms of this deployment (confused deputy: another account's alarm must not use the key).
  statement {
    sid       = "CloudWatchAlarms"
    effect    = "Allow"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:${local.name}-*"]
    }
  }

  # The functions that publish notifications use the key only through SNS in this region.
  dynamic "statement" {
    for_each = length(local.sns_publishers) == 0 ? [] : [local.sns_publishers]
    content {
      sid       = "CordonPublishersThroughSns"
      effect    = "Allow"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = ["*"]

      principals {
        type        = "AWS"
        identifiers = [for name in statement.value : aws_iam_role.function[name].arn]
      }

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["sns.${local.region}.amazonaws.com"]
      }
    }
  }
}

resource "aws_kms_key" "this" {
  description             = "Encrypts the ${local.name} notification topic."
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_deletion_window_days
  policy                  = data.aws_iam_policy_document.topic_key.json
  tags                    = var.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${local.name}-notifications"
  target_key_id = aws_kms_key.this.key_id
}

resource "aws_sns_topic" "this" {
  name              = "${local.name}-notifications"
  display_name      = "cordon ${var.environment}"
  kms_master_key_id = aws_kms_key.this.arn
  tags              = var.tags
}

resource "aws_sns_topic_subscription" "email" {
  for_each = toset(var.notification_emails)

  topic_arn = aws_sns_topic.this.arn
  protocol  = "email"
  endpoint  = each.value
}
