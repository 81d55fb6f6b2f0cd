output "rule_arns" {
  description = "Forwarding rule ARNs, by triage rule file (without .json)."
  value       = { for key, rule in aws_cloudwatch_event_rule.forward : key => rule.arn }
}

output "role_arn" {
  description = "Role EventBridge uses to put the events on the home bus (events:PutEvents on that bus only)."
  value       = aws_iam_role.this.arn
}

output "dead_letter_queue_url" {
  description = "Queue of the events that could not be forwarded after the retries."
  value       = aws_sqs_queue.this.url
}

output "region" {
  description = "The region whose findings this forwarder sends home."
  value       = local.region
}
