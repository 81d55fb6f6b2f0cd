output "api_endpoint" {
  description = "URL of the cordon API and web console."
  value       = module.cordon.api_endpoint
}

output "worker_role_arn" {
  description = "The only principal the member roles trust."
  value       = module.cordon.worker_role_arn
}

output "user_pool_id" {
  description = "Cognito user pool: add people to the cordon-requesters, cordon-approvers and cordon-viewers groups here."
  value       = module.cordon.user_pool_id
}

output "topic_arn" {
  description = "Notification topic (subscribe more endpoints here)."
  value       = module.cordon.topic_arn
}

output "approve_action_arn" {
  description = "Security Hub custom action that approves isolations."
  value       = module.cordon.approve_action_arn
}

output "reject_action_arn" {
  description = "Security Hub custom action that rejects isolations."
  value       = module.cordon.reject_action_arn
}

output "dead_letter_queue_urls" {
  description = "Where unprocessed events wait for a redrive."
  value       = module.cordon.dead_letter_queue_urls
}

output "event_bus_arn" {
  description = "cordon's bus in the home region: pass it as home_event_bus_arn to terraform/envs/regional in every other region."
  value       = module.cordon.event_bus_arn
}

output "evidence" {
  description = "The evidence bucket: name, key every write names, and Object Lock retention in days."
  value       = module.cordon.evidence
}
