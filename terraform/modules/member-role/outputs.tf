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
