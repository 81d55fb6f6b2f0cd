# CloudWatch alarms, all to the notification topic: lost events, failing functions, failed isolations.

locals {
  alarm_actions = [aws_sns_topic.this.arn]

  dead_letter_queues = merge(
    { for name, queue in aws_sqs_queue.function_dlq : name => queue.name },
    { events = aws_sqs_queue.events_dlq.name },
  )
}

# Any message in a dead-letter queue is an event cordon did not handle: someone must look at it.
resource "aws_cloudwatch_metric_alarm" "dlq_depth" {
  for_each = local.dead_letter_queues

  alarm_name          = "${each.value}-not-empty"
  alarm_description   = "Messages in ${each.value}: cordon could not process some ${each.key} events. Inspect and redrive them."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = each.value }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "function_errors" {
  for_each = local.functions

  alarm_name          = "${local.function_names[each.key]}-errors"
  alarm_description   = "The ${each.key} function failed at least ${var.function_errors_threshold} time(s) in ${var.alarm_period_seconds} seconds."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = aws_lambda_function.this[each.key].function_name }
  statistic           = "Sum"
  period              = var.alarm_period_seconds
  evaluation_periods  = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = var.function_errors_threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

# Emitted by the worker in embedded metric format (functions/lib/observability.ts: namespace `cordon`,
# metric `IsolationsFailed`, an action-less copy with the Powertools `service` dimension).
resource "aws_cloudwatch_metric_alarm" "isolations_failed" {
  alarm_name          = "${local.name}-isolations-failed"
  alarm_description   = "At least ${var.failed_isolations_threshold} isolation(s) FAILED in ${var.alarm_period_seconds} seconds: a resource may not be contained."
  namespace           = var.metrics_namespace
  metric_name         = "IsolationsFailed"
  dimensions          = var.failed_isolations_metric_dimensions
  statistic           = "Sum"
  period              = var.alarm_period_seconds
  evaluation_periods  = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = var.failed_isolations_threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

# `IsolationsExposed`: a FAILED isolation whose rollback failed too, so a resource is more exposed than before
# cordon touched it (record failure.code ROLLBACK_FAILED). One is enough to page; it never goes quiet by itself.
resource "aws_cloudwatch_metric_alarm" "isolations_exposed" {
  alarm_name          = "${local.name}-isolations-exposed"
  alarm_description   = "A failed isolation could not be rolled back: a resource is MORE exposed than before cordon acted. Read failure.exposure on the record and repair it by hand now."
  namespace           = var.metrics_namespace
  metric_name         = "IsolationsExposed"
  dimensions          = var.failed_isolations_metric_dimensions
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "api_5xx" {
  alarm_name          = "${local.name}-api-5xx"
  alarm_description   = "The cordon API returned server errors."
  namespace           = "AWS/ApiGateway"
  metric_name         = "5xx"
  dimensions          = { ApiId = aws_apigatewayv2_api.this.id, Stage = aws_apigatewayv2_stage.this.name }
  statistic           = "Sum"
  period              = var.alarm_period_seconds
  evaluation_periods  = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = var.function_errors_threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}
