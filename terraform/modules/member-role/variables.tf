variable "role_name" {
  description = "Name of the role cordon assumes in this member account. Must equal the cordon module's member_role_name."
  type        = string
  default     = "cordon-member"

  validation {
    condition     = can(regex("^[\\w+=,.@-]{1,64}$", var.role_name))
    error_message = "role_name must be a valid IAM role name (1-64 characters of [A-Za-z0-9+=,.@_-])."
  }
}

variable "worker_role_arn" {
  description = "ARN of the cordon isolation worker's execution role in the security account (output worker_role_arn of the cordon module). It is the only principal trusted by this role."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::\\d{12}:role/.+$", var.worker_role_arn))
    error_message = "worker_role_arn must be an IAM role ARN such as arn:aws:iam::111111111111:role/cordon-prod-isolate."
  }
}

variable "organization_id" {
  description = "AWS Organizations id (o-xxxxxxxxxx): the trust policy requires aws:PrincipalOrgID to equal it. Required."
  type        = string

  validation {
    condition     = can(regex("^o-[a-z0-9]{10,32}$", var.organization_id))
    error_message = "organization_id must look like o-abc123defg."
  }
}

variable "external_id" {
  description = "The sts:ExternalId the trust policy requires: the cordon module's member_external_id. Required."
  type        = string

  validation {
    # RE2 caps repetition counts at 1000, so the length is checked separately.
    condition     = try(length(var.external_id) >= 2 && length(var.external_id) <= 1224 && can(regex("^[\\w+=,.@:/-]+$", var.external_id)), false)
    error_message = "external_id must be 2-1224 characters of [A-Za-z0-9+=,.@:/_-]."
  }
}

variable "protected_principal_arns" {
  description = "Extra IAM role or user ARNs (wildcards allowed, e.g. arn:aws:iam::*:role/break-glass-*) that the member role may never change, pass or contain: denied beside OrganizationAccountAccessRole, aws-reserved/*, aws-service-role/* and the member role itself."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for arn in var.protected_principal_arns : can(regex("^arn:aws[a-z-]*:iam::(\\d{12}|\\*):(role|user)/[^$]+$", arn))])
    error_message = "protected_principal_arns must be IAM role or user ARNs (arn:aws:iam::<account or *>:role/... or :user/...), without \"$\"."
  }
}

variable "max_session_duration" {
  description = "Maximum session duration in seconds. The worker's role chaining caps sessions at one hour anyway."
  type        = number
  default     = 3600

  validation {
    condition     = var.max_session_duration >= 3600 && var.max_session_duration <= 43200
    error_message = "max_session_duration must be between 3600 and 43200 seconds."
  }
}

variable "permissions_boundary_arn" {
  description = "Optional permissions boundary attached to the role (organisations that mandate one)."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags applied to the role."
  type        = map(string)
  default     = {}
}

variable "identity_center_admin" {
  description = "True only in the account that administers IAM Identity Center (the management account or its delegated administrator): grants the sso and identitystore actions of isolate-identity-center-user there. Every other member account leaves it false."
  type        = bool
  default     = false
}

variable "memory_capture_documents" {
  description = "SSM Command documents the member role may run for evidence memory capture (policy evidence: { memory: { ssmDocument } }): names of documents in this account, or ARNs of documents shared with it. Empty (the default) grants no Systems Manager permission at all; each entry grants ssm:SendCommand of that document on this account's instances, ssm:DescribeDocument of it, and ssm:GetCommandInvocation."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for d in var.memory_capture_documents : can(regex("^([a-zA-Z0-9_.-]{3,128}|arn:aws[a-z-]*:ssm:[a-z0-9-]+:\\d{12}:document/[a-zA-Z0-9_.-]{3,128})$", d)) && !startswith(d, "AWS-")])
    error_message = "memory_capture_documents must be SSM document names (3-128 characters of A-Z a-z 0-9 _ . -, not AWS-owned AWS-*) or document ARNs such as arn:aws:ssm:eu-west-1:111111111111:document/Org-AVML-Capture."
  }
}

variable "lookup_role_enabled" {
  description = "Also create the read-only lookup role the cordon API assumes to resolve a Name tag to instance ids for the console's request form (ec2:DescribeInstances only; trusted only by api_role_arn, in the organisation, with external_id). Off: the form takes instance ids only in this account."
  type        = bool
  default     = false
  nullable    = false
}

variable "api_role_arn" {
  description = "ARN of the cordon API's execution role (output api_role_arn of the cordon module): the only principal the lookup role trusts. Required when lookup_role_enabled is true."
  type        = string
  default     = null

  validation {
    condition     = var.api_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::\\d{12}:role/.+$", var.api_role_arn))
    error_message = "api_role_arn must be an IAM role ARN such as arn:aws:iam::111111111111:role/cordon-prod-api."
  }
}

variable "lookup_role_name" {
  description = "Name of the lookup role. Must equal the cordon module's lookup_role_name."
  type        = string
  default     = "cordon-lookup"

  validation {
    condition     = can(regex("^[\\w+=,.@-]{1,64}$", var.lookup_role_name))
    error_message = "lookup_role_name must be a valid IAM role name (1-64 characters of [A-Za-z0-9+=,.@_-])."
  }
}
