output "policy_id" {
  description = "Id of the service control policy."
  value       = aws_organizations_policy.this.id
}

output "policy_content" {
  description = "The policy document, as JSON."
  value       = aws_organizations_policy.this.content
}
