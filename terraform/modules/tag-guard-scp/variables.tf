variable "name" {
  description = "Name of the service control policy in AWS Organizations."
  type        = string
  default     = "cordon-tag-guard"

  validation {
    condition     = can(regex("^[\\w+=,.@-]{1,128}$", var.name))
    error_message = "name must be 1-128 characters of [A-Za-z0-9+=,.@_-]."
  }
}

variable "tag_key_prefix" {
  description = "Prefix of the tag keys cordon trusts (its exemption tag and its isolation-id tag). Only the allowed principals may set or remove tags whose key starts with it."
  type        = string
  default     = "cordon:"

  validation {
    condition     = length(var.tag_key_prefix) >= 2 && !strcontains(var.tag_key_prefix, "*") && !strcontains(var.tag_key_prefix, "?")
    error_message = "tag_key_prefix must be at least 2 characters and contain no wildcard."
  }
}

variable "allowed_principal_arns" {
  description = "ARN patterns (aws:PrincipalArn, wildcards allowed) that may still set and remove the guarded tags: cordon's member role in every account (for example arn:aws:iam::*:role/cordon-member) and a named administrator role. Nobody else can, whatever their IAM permissions."
  type        = list(string)

  validation {
    condition     = length(var.allowed_principal_arns) > 0 && alltrue([for arn in var.allowed_principal_arns : can(regex("^arn:aws[a-z-]*:iam::(\\d{12}|\\*):role/.+$", arn))])
    error_message = "allowed_principal_arns must list at least one IAM role ARN pattern, such as arn:aws:iam::*:role/cordon-member."
  }
}

variable "target_ids" {
  description = "Organization root, organizational unit or account ids the policy is attached to (r-xxxx, ou-xxxx-xxxxxxxx, 123456789012). Attach it to every OU that holds member accounts."
  type        = list(string)

  validation {
    condition     = length(var.target_ids) > 0 && alltrue([for id in var.target_ids : can(regex("^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|\\d{12})$", id))])
    error_message = "target_ids must list at least one root (r-...), OU (ou-...-...) or account id (12 digits)."
  }
}

variable "tags" {
  description = "Tags applied to the policy."
  type        = map(string)
  default     = {}
}
