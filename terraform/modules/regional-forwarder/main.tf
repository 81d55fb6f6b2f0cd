# Forwards GuardDuty and Security Hub findings from one non-home region to cordon's event bus in the home
# region, with an EventBridge cross-region bus target: one rule per triage rule of rules/, with its pattern. Deploy it once per region, in the account whose buses
# receive the findings: the GuardDuty and Security Hub delegated administrator (the security account), which
# gets every member's findings on its own default bus in each region.
#
# The forwarded copy and Security Hub's cross-region aggregated copy of the same finding carry the same finding
# key (functions/lib/findings), so triage creates one isolation request whichever copy arrives first.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name
  name       = "${var.name_prefix}-${var.environment}"

  # arn:<partition>:events:<region>:<account>:event-bus/<name>
  home_region = split(":", var.home_event_bus_arn)[3]

  # Built from the name, so the queue policy is known at plan time.
  dlq_name = "${local.name}-forward-dlq"
  dlq_arn  = "arn:${local.partition}:sqs:${local.region}:${local.account_id}:${local.dlq_name}"

  # The triage rules' patterns, rendered as the cordon module renders them in the home region: the forwarded
  # events are exactly those the home rules will match, whichever region they come from.
  forwarded = {
    for file in fileset(var.rules_dir, "triage-*.json") : trimsuffix(file, ".json") => {
      file = file
      pattern = jsonencode(jsondecode(templatefile("${var.rules_dir}/${file}", {
        account_id = local.account_id
        region     = local.home_region
        partition  = local.partition
      })))
    }
  }

  rule_names = { for key in keys(local.forwarded) : key => "${local.name}-forward-${key}" }
  # Built from the names, so the role's trust policy never waits for the rules (rules on the default bus have
  # ARNs without the bus name).
  rule_arns = {
    for key, name in local.rule_names : key => (
      var.source_event_bus_name == "default"
      ? "arn:${local.partition}:events:${local.region}:${local.account_id}:rule/${name}"
      : "arn:${local.partition}:events:${local.region}:${local.account_id}:rule/${var.source_event_bus_name}/${name}"
    )
  }

  # EventBridge assumes the role only for this account's forwarding rules (confused deputy).
  trust_policy = {
    Version = "2012-10-17"
    Statement = [{
      Sid       = "EventBridgeForwardingRules"
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = { "aws:SourceAccount" = local.account_id }
        ArnEquals    = { "aws:SourceArn" = values(local.rule_arns) }
      }
    }]
  }

  # PutEvents on the home bus and nothing else.
  forward_policy = {
    Version = "2012-10-17"
    Statement = [{
      Sid      = "PutEventsOnTheHomeBusOnly"
      Effect   = "Allow"
      Action   = "events:PutEvents"
      Resource = var.home_event_bus_arn
    }]
  }

  dlq_policy = {
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "ForwardingRulesOfThisModule"
        Effect    = "Allow"
        Principal = { Service = "events.amazonaws.com" }
        Action    = "sqs:SendMessage"
        Resource  = local.dlq_arn
        Condition = { ArnEquals = { "aws:SourceArn" = values(local.rule_arns) } }
      },
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage"]
        Resource  = local.dlq_arn
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ]
  }
}

resource "aws_iam_role" "this" {
  # IAM names are global to the account: the region keeps one role per forwarding region.
  name                 = "${local.name}-forward-${local.region}"
  description          = "EventBridge forwards the findings of ${local.region} that cordon triages to ${var.home_event_bus_arn}."
  assume_role_policy   = jsonencode(local.trust_policy)
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

resource "aws_iam_role_policy" "this" {
  name   = "put-events-on-the-home-bus"
  role   = aws_iam_role.this.id
  policy = jsonencode(local.forward_policy)
}

resource "aws_cloudwatch_event_rule" "forward" {
  for_each = local.forwarded

  name           = local.rule_names[each.key]
  description    = "cordon: events matching rules/${each.value.file} go to ${var.home_event_bus_arn}."
  event_bus_name = var.source_event_bus_name
  event_pattern  = each.value.pattern
  tags           = var.tags

  lifecycle {
    precondition {
      # A rule on the home bus that targets the home bus would loop; the home region needs no forwarder.
      condition     = local.home_region != local.region
      error_message = "The regional forwarder is for regions other than the home region (${local.home_region}); do not deploy it there."
    }
  }
}

resource "aws_cloudwatch_event_target" "forward" {
  for_each = local.forwarded

  rule           = aws_cloudwatch_event_rule.forward[each.key].name
  event_bus_name = var.source_event_bus_name
  target_id      = "home-bus"
  arn            = var.home_event_bus_arn
  role_arn       = aws_iam_role.this.arn

  retry_policy {
    maximum_retry_attempts       = var.event_retry_attempts
    maximum_event_age_in_seconds = var.event_max_age_seconds
  }

  dead_letter_config {
    arn = aws_sqs_queue.this.arn
  }
}

# Events that could not be forwarded after the retries, kept for a redrive.
resource "aws_sqs_queue" "this" {
  name                      = local.dlq_name
  message_retention_seconds = var.dlq_message_retention_seconds
  sqs_managed_sse_enabled   = true
  tags                      = var.tags
}

resource "aws_sqs_queue_policy" "this" {
  queue_url = aws_sqs_queue.this.id
  policy    = jsonencode(local.dlq_policy)
}
