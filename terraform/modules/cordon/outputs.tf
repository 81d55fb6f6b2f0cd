output "worker_role_arn" {
  description = "ARN of the isolation worker's role: pass it to the member-role module (the only principal the member role trusts)."
  value       = aws_iam_role.function["isolate"].arn
}

output "api_role_arn" {
  description = "ARN of the API's role: pass it to the member-role module's api_role_arn (the only principal its optional lookup role trusts)."
  value       = aws_iam_role.function["api"].arn
}

output "lookup_role_name" {
  description = "Name of the read-only lookup role the API assumes in member accounts (the member-role module's lookup_role_name)."
  value       = var.lookup_role_name
}

output "member_role_name" {
  description = "Name of the role the worker assumes in member accounts."
  value       = var.member_role_name
}

output "function_names" {
  description = "Lambda function names, by entry point."
  value       = { for name, function in aws_lambda_function.this : name => function.function_name }
}

output "function_settings" {
  description = "What each function runs, by entry point: runtime, zip and its hash, memory, timeout and reserved concurrency (for review, and asserted by the environments' plan tests)."
  value = {
    for name, function in aws_lambda_function.this : name => {
      runtime              = function.runtime
      filename             = function.filename
      source_code_hash     = function.source_code_hash
      memory_size          = function.memory_size
      timeout              = function.timeout
      reserved_concurrency = function.reserved_concurrent_executions
    }
  }
}

output "deletion_protection" {
  description = "Whether the isolation records table and the Cognito user pool are protected from deletion."
  value = {
    table     = aws_dynamodb_table.this.deletion_protection_enabled
    user_pool = one(aws_cognito_user_pool.this[*].deletion_protection)
  }
}

output "function_role_arns" {
  description = "Execution role ARNs, by entry point."
  value       = { for name, role in aws_iam_role.function : name => role.arn }
}

output "table_name" {
  description = "DynamoDB table of isolation records."
  value       = aws_dynamodb_table.this.name
}

output "topic_arn" {
  description = "SNS notification topic (KMS-encrypted)."
  value       = aws_sns_topic.this.arn
}

output "api_endpoint" {
  description = "URL of the API and the web console."
  value       = aws_apigatewayv2_api.this.api_endpoint
}

output "approve_action_arn" {
  description = "ARN of the Security Hub approve custom action."
  value       = aws_securityhub_action_target.approve.arn
}

output "reject_action_arn" {
  description = "ARN of the Security Hub reject custom action."
  value       = aws_securityhub_action_target.reject.arn
}

output "event_rule_names" {
  description = "EventBridge rule names, by rule file (without .json)."
  value       = { for key, rule in aws_cloudwatch_event_rule.pattern : key => rule.name }
}

output "dead_letter_queue_urls" {
  description = "Dead-letter queue URLs, by function, plus `events` for EventBridge deliveries."
  value = merge(
    { for name, queue in aws_sqs_queue.function_dlq : name => queue.url },
    { events = aws_sqs_queue.events_dlq.url },
  )
}

output "user_pool_id" {
  description = "Cognito user pool id (null with an external issuer). Add people to the cordon-* groups here."
  value       = one(aws_cognito_user_pool.this[*].id)
}

output "user_pool_client_id" {
  description = "Cognito app client id of the console (null with an external issuer)."
  value       = one(aws_cognito_user_pool_client.this[*].id)
}

output "hosted_ui_url" {
  description = "Cognito hosted UI base URL (null with an external issuer)."
  value       = local.create_user_pool ? local.hosted_ui_url : null
}

output "event_bus_arn" {
  description = "ARN of the bus cordon's rules listen on: the home_event_bus_arn of the regional-forwarder module in every other region."
  value       = "arn:${local.partition}:events:${local.region}:${local.account_id}:event-bus/${var.event_bus_name}"
}

output "evidence" {
  description = "The evidence bucket: its name and ARN, the KMS key every artifact is written with, and the Object Lock COMPLIANCE retention in days."
  value = {
    bucket_name    = module.evidence_bucket.bucket_name
    bucket_arn     = module.evidence_bucket.bucket_arn
    key_arn        = module.evidence_bucket.key_arn
    retention_days = module.evidence_bucket.retention_days
  }
}

output "machine_client_ids" {
  description = "OAuth client ids of the machine clients, by name (their secrets: aws cognito-idp describe-user-pool-client)."
  value       = { for name, c in aws_cognito_user_pool_client.machine : name => c.id }
}

output "cognito_token_url" {
  description = "Token endpoint for machine clients' client-credentials grant (null with an external jwt_issuer)."
  value       = local.create_user_pool ? "${local.hosted_ui_url}/oauth2/token" : null
}
