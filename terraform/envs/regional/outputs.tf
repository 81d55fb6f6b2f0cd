output "rule_arns" {
  description = "The forwarding rules in this region, by forwarded source."
  value       = module.forwarder.rule_arns
}

output "dead_letter_queue_url" {
  description = "Where events wait that could not be forwarded after the retries."
  value       = module.forwarder.dead_letter_queue_url
}
