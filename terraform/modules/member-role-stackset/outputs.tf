output "stack_set_name" {
  description = "Name of the StackSet that deploys the member role."
  value       = aws_cloudformation_stack_set.this.name
}

output "role_name" {
  description = "Name of the member role in every target account."
  value       = var.role_name
}

output "template_body" {
  description = "The CloudFormation template deployed to every account (for review)."
  value       = aws_cloudformation_stack_set.this.template_body
}
