output "role_arn" {
  description = "ARN of the member role."
  value       = aws_iam_role.this.arn
}

output "role_name" {
  description = "Name of the member role."
  value       = aws_iam_role.this.name
}

output "permissions" {
  description = "IAM actions the member role allows (the union of the registered actions' permissions)."
  value       = local.permissions.actions
}

output "lookup_role_arn" {
  description = "ARN of the read-only lookup role, or null when lookup_role_enabled is false."
  value       = one(aws_iam_role.lookup[*].arn)
}
