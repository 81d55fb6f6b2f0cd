variable "name" {
  description = "Name of the CloudFormation StackSet."
  type        = string
  default     = "cordon-member-role"

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9-]{0,127}$", var.name))
    error_message = "name must start with a letter and contain only letters, digits and hyphens (at most 128)."
  }
}

variable "role_name" {
  description = "Name of the role cordon assumes in every member account. Must equal the cordon module's member_role_name."
  type        = string
  default     = "cordon-member"

  validation {
    condition     = can(regex("^[\\w+=,.@-]{1,64}$", var.role_name))
    error_message = "role_name must be a valid IAM role name."
  }
}

variable "worker_role_arn" {
  description = "ARN of the cordon isolation worker's role (output worker_role_arn of the cordon module): the only principal the member roles trust."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::\\d{12}:role/.+$", var.worker_role_arn))
    error_message = "worker_role_arn must be an IAM role ARN."
  }
}

variable "organization_id" {
  description = "AWS Organizations id (o-...): the member roles require aws:PrincipalOrgID to equal it. Required."
  type        = string

  validation {
    condition     = can(regex("^o-[a-z0-9]{10,32}$", var.organization_id))
    error_message = "organization_id must look like o-abc123defg."
  }
}

variable "external_id" {
  description = "The sts:ExternalId the member roles require (the cordon module's member_external_id). Required."
  type        = string

  validation {
    # RE2 caps repetition counts at 1000, so the length is checked separately.
    condition     = try(length(var.external_id) >= 2 && length(var.external_id) <= 1224 && can(regex("^[\\w+=,.@:/-]+$", var.external_id)), false)
    error_message = "external_id must be 2-1224 characters of [A-Za-z0-9+=,.@:/_-]."
  }
}

variable "protected_principal_arns" {
  description = "Extra IAM role or user ARNs (wildcards allowed, e.g. arn:aws:iam::*:role/break-glass-*) that the member roles may never change, pass or contain: denied beside OrganizationAccountAccessRole, aws-reserved/*, aws-service-role/* and the member role itself."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    # No "$": every ARN goes through Fn::Sub.
    condition     = alltrue([for arn in var.protected_principal_arns : can(regex("^arn:aws[a-z-]*:iam::(\\d{12}|\\*):(role|user)/[^$]+$", arn))])
    error_message = "protected_principal_arns must be IAM role or user ARNs (arn:aws:iam::<account or *>:role/... or :user/...), without \"$\"."
  }
}

variable "organizational_unit_ids" {
  description = "Organisational units (ou-... or the root r-...) whose accounts get the member role. New accounts in them get it automatically."
  type        = list(string)

  validation {
    condition     = length(var.organizational_unit_ids) > 0 && alltrue([for id in var.organizational_unit_ids : can(regex("^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$", id))])
    error_message = "organizational_unit_ids must list at least one OU id (ou-xxxx-xxxxxxxx) or root id (r-xxxx)."
  }
}

variable "deployment_region" {
  description = "The one region the stack instances are deployed in (IAM is global: one instance per account is enough)."
  type        = string
}

variable "call_as" {
  description = "SELF when applying from the organisation's management account, DELEGATED_ADMIN from a StackSets delegated administrator (e.g. the security account)."
  type        = string
  default     = "DELEGATED_ADMIN"

  validation {
    condition     = contains(["SELF", "DELEGATED_ADMIN"], var.call_as)
    error_message = "call_as must be SELF or DELEGATED_ADMIN."
  }
}

variable "max_concurrent_percentage" {
  description = "Percentage of accounts updated at once when the StackSet changes."
  type        = number
  default     = 25

  validation {
    condition     = var.max_concurrent_percentage >= 1 && var.max_concurrent_percentage <= 100
    error_message = "max_concurrent_percentage must be between 1 and 100."
  }
}

variable "tags" {
  description = "Tags applied to the StackSet (and propagated to the roles)."
  type        = map(string)
  default     = {}
}

variable "memory_capture_documents" {
  description = "SSM Command documents the member role may run for evidence memory capture, as in modules/member-role: names of documents in each account, or ARNs of shared documents. Empty (the default) grants no Systems Manager permission."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for d in var.memory_capture_documents : can(regex("^([a-zA-Z0-9_.-]{3,128}|arn:aws[a-z-]*:ssm:[a-z0-9-]+:\\d{12}:document/[a-zA-Z0-9_.-]{3,128})$", d)) && !startswith(d, "AWS-")])
    error_message = "memory_capture_documents must be SSM document names (not AWS-owned AWS-*) or document ARNs."
  }
}
