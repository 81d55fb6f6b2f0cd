variable "region" {
  description = "Region of the security account's GuardDuty and Security Hub aggregation (where cordon runs)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-\\d$", var.region))
    error_message = "region must be an AWS region such as eu-west-1."
  }
}

variable "security_account_id" {
  description = "The security account (GuardDuty and Security Hub delegated administrator). The provider refuses to touch any other account."
  type        = string

  validation {
    condition     = can(regex("^\\d{12}$", var.security_account_id))
    error_message = "security_account_id must be 12 digits."
  }
}

variable "organization_id" {
  description = "AWS Organizations id (o-...). Member roles trust the worker only from inside it."
  type        = string

  validation {
    condition     = can(regex("^o-[a-z0-9]{10,32}$", var.organization_id))
    error_message = "organization_id must look like o-abc123defg."
  }
}

variable "member_organizational_unit_ids" {
  description = "OUs (or the root r-...) whose accounts cordon may contain resources in: each gets the member role through a StackSet."
  type        = list(string)
}

variable "member_external_id" {
  description = "sts:ExternalId shared by the worker and the member roles (an extra guard against a confused deputy)."
  type        = string
}

variable "notification_emails" {
  description = "Email addresses subscribed to cordon's notifications."
  type        = list(string)
  default     = []
}

variable "stackset_call_as" {
  description = "SELF when this root is applied from the management account, DELEGATED_ADMIN from a StackSets delegated administrator."
  type        = string
  default     = "DELEGATED_ADMIN"
}

variable "member_accounts" {
  description = "Optional allow-list of the member accounts cordon may act in; empty: any account of the member OUs (see the module's member_accounts)."
  type        = list(string)
  default     = []
}

variable "evidence_reader_role_arn" {
  description = "The forensics role, the only principal that may read the evidence bucket (see the cordon module's evidence_reader_role_arn). Null: nobody can read it yet."
  type        = string
  default     = null
}

variable "evidence_administrator_arns" {
  description = "Roles that may change the evidence bucket's Object Lock and encryption configuration (see the cordon module's evidence_administrator_arns)."
  type        = list(string)
  default     = []
}
