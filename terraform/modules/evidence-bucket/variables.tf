variable "bucket_name" {
  description = "Name of the evidence bucket (globally unique): the cordon module passes <name_prefix>-<environment>-evidence-<account id>."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name)) && !can(regex("\\.\\.|^\\d+\\.\\d+\\.\\d+\\.\\d+$", var.bucket_name))
    error_message = "bucket_name must be a valid S3 bucket name (3-63 lowercase letters, digits, dots and hyphens)."
  }
}

variable "retention_days" {
  description = "Object Lock retention in COMPLIANCE mode, in days: no one, the account's root user included, can delete or overwrite an artifact version before it ends, and it cannot be shortened."
  type        = number
  default     = 365

  validation {
    condition     = var.retention_days >= 1 && var.retention_days <= 36500 && floor(var.retention_days) == var.retention_days
    error_message = "retention_days must be a whole number of days between 1 and 36500."
  }
}

variable "writer_role_arn" {
  description = "The only role that may write artifacts: the cordon isolation worker's role. Its own policy grants s3:PutObject and the key's use through S3."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::\\d{12}:role/.+$", var.writer_role_arn))
    error_message = "writer_role_arn must be an IAM role ARN."
  }
}

variable "reader_role_arn" {
  description = "The forensics role: the only principal that may read artifacts (and decrypt them through S3). Null: nobody can read them until it is set."
  type        = string
  default     = null

  validation {
    condition     = var.reader_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::\\d{12}:role/.+$", var.reader_role_arn))
    error_message = "reader_role_arn must be an IAM role ARN (or null)."
  }
}

variable "manifest_reader_role_arn" {
  description = "A role that may check the evidence without reading it (the cordon API): read manifests and decrypt them through S3, and read every version's attributes (S3's SHA-256 and size). It can decrypt no artifact. Null: none."
  type        = string
  default     = null

  validation {
    condition     = var.manifest_reader_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::\\d{12}:role/.+$", var.manifest_reader_role_arn))
    error_message = "manifest_reader_role_arn must be an IAM role ARN (or null)."
  }
}

variable "administrator_arns" {
  description = "IAM role ARNs that may change the bucket's Object Lock, encryption, versioning and lifecycle configuration. Empty: nobody can (add yourself and apply before changing retention_days)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for arn in var.administrator_arns : can(regex("^arn:aws[a-z-]*:iam::\\d{12}:role/.+$", arn))])
    error_message = "administrator_arns must be IAM role ARNs."
  }
}

variable "kms_deletion_window_days" {
  description = "Waiting period before the evidence key is deleted, in days (deleting it makes every artifact unreadable; the key policy does not let anyone schedule it)."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_deletion_window_days >= 7 && var.kms_deletion_window_days <= 30
    error_message = "kms_deletion_window_days must be between 7 and 30."
  }
}

variable "tags" {
  description = "Tags applied to every taggable resource."
  type        = map(string)
  default     = {}
}
