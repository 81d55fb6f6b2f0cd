# EventBridge: every file in rules/ becomes one rule, and nothing else does. A file is named
# <target>-<name>.json, where <target> is the function it feeds (triage or approve). `${account_id}`,
# `${region}` and `${partition}` inside a pattern stand for this security account, its region and partition.

locals {
  rule_targets = ["triage", "approve"]

  event_rules = {
    for file in fileset(var.rules_dir, "*.json") : trimsuffix(file, ".json") => {
      file   = file
      target = split("-", file)[0]
      # Decoded and re-encoded so that a malformed file fails at plan time, not in EventBridge.
      pattern = jsonencode(jsondecode(templatefile("${var.rules_dir}/${file}", {
        account_id = local.account_id
        region     = local.region
        partition  = local.partition
      })))
    }
  }

  # Every rule that may put events into the shared EventBridge dead-letter queue.
  event_rule_arns = concat(
    [for rule in aws_cloudwatch_event_rule.pattern : rule.arn],
    [aws_cloudwatch_event_rule.expire.arn],
  )
}

resource "aws_cloudwatch_event_rule" "pattern" {
  for_each = local.event_rules

  name           = "${local.name}-${each.key}"
  description    = "cordon: events matching rules/${each.value.file} go to the ${each.value.target} function."
  event_bus_name = var.event_bus_name
  event_pattern  = each.value.pattern
  tags           = var.tags

  lifecycle {
    precondition {
      condition     = contains(local.rule_targets, each.value.target)
      error_message = "rules/${each.value.file}: the file name must start with triage- or approve- (the function it feeds)."
    }
  }
}

resource "aws_cloudwatch_event_target" "pattern" {
  for_each = local.event_rules

  rule           = aws_cloudwatch_event_rule.pattern[each.key].name
  event_bus_name = var.event_bus_name
  target_id      = each.value.target
  arn            = aws_lambda_function.this[each.value.target].arn

  retry_policy {
    maximum_retry_attempts       = var.event_retry_attempts
    maximum_event_age_in_seconds = var.event_max_age_seconds
  }

  dead_letter_config {
    arn = aws_sqs_queue.events_dlq.arn
  }
}

resource "aws_lambda_permission" "pattern" {
  for_each = local.event_rules

  statement_id   = "AllowEventBridge-${each.key}"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.this[each.value.target].function_name
  principal      = "events.amazonaws.com"
  source_arn     = aws_cloudwatch_event_rule.pattern[each.key].arn
  source_account = local.account_id
}

# expire runs on a schedule (on the default bus: scheduled rules only exist there).
resource "aws_cloudwatch_event_rule" "expire" {
  name                = "${local.name}-expire-schedule"
  description         = "cordon: expires pending approvals and retries pending write-backs."
  schedule_expression = var.expire_schedule_expression
  tags                = var.tags
}

resource "aws_cloudwatch_event_target" "expire" {
  rule      = aws_cloudwatch_event_rule.expire.name
  target_id = "expire"
  arn       = aws_lambda_function.this["expire"].arn

  retry_policy {
    maximum_retry_attempts       = var.event_retry_attempts
    maximum_event_age_in_seconds = var.event_max_age_seconds
  }

  dead_letter_config {
    arn = aws_sqs_queue.events_dlq.arn
  }
}

resource "aws_lambda_permission" "expire" {
  statement_id   = "AllowEventBridgeSchedule"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.this["expire"].function_name
  principal      = "events.amazonaws.com"
  source_arn     = aws_cloudwatch_event_rule.expire.arn
  source_account = local.account_id
}

# Events EventBridge could not deliver after its retries.
resource "aws_sqs_queue" "events_dlq" {
  name                      = "${local.name}-events-dlq"
  message_retention_seconds = var.dlq_message_retention_seconds
  sqs_managed_sse_enabled   = true
  tags                      = var.tags
}

data "aws_iam_policy_document" "events_dlq" {
  statement {
    sid       = "EventBridgeRulesOfThisModule"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.events_dlq.arn]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = local.event_rule_arns
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage"]
    resources = [aws_sqs_queue.events_dlq.arn]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sqs_queue_policy" "this" {
  queue_url = aws_sqs_queue.events_dlq.id
  policy    = data.aws_iam_policy_document.events_dlq.json
}

# Security Hub custom actions. Their ids must equal the policy's customActions settings (the approve
# function also receives them in its environment); the approve rule in rules/ matches their ARNs, and a
# precondition refuses an id that rule does not list.
resource "aws_securityhub_action_target" "approve" {
  name        = var.approve_action.name
  identifier  = var.approve_action.id
  description = "Approve the pending cordon isolation of the selected findings."

  lifecycle {
    # An id the generated approve rule does not list would make the button fire events nothing delivers.
    precondition {
      condition     = strcontains(try(local.event_rules["approve-custom-action"].pattern, ""), ":action/custom/${var.approve_action.id}\"")
      error_message = "approve_action.id \"${var.approve_action.id}\" is not in rules/approve-custom-action.json: set the same id in the policy's customActions settings and run `npx cordon rules build`."
    }
  }
}

resource "aws_securityhub_action_target" "reject" {
  name        = var.reject_action.name
  identifier  = var.reject_action.id
  description = "Reject the pending cordon isolation of the selected findings."

  lifecycle {
    # An id the generated approve rule does not list would make the button fire events nothing delivers.
    precondition {
      condition     = strcontains(try(local.event_rules["approve-custom-action"].pattern, ""), ":action/custom/${var.reject_action.id}\"")
      error_message = "reject_action.id \"${var.reject_action.id}\" is not in rules/approve-custom-action.json: set the same id in the policy's customActions settings and run `npx cordon rules build`."
    }
  }
}
