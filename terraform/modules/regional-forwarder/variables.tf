variable "home_event_bus_arn" {
  description = "ARN of the event bus cordon listens on in its home region (output event_bus_arn of the cordon module or of an environment root). Events are forwarded there and nowhere else."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:events:[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\\d:\\d{12}:event-bus/[A-Za-z0-9._/-]{1,256}$", var.home_event_bus_arn))
    error_message = "home_event_bus_arn must be an event bus ARN such as arn:aws:events:eu-west-1:111111111111:event-bus/default."
  }
}

variable "name_prefix" {
  description = "Prefix of every resource name; the cordon module's name_prefix."
  type        = string
  default     = "cordon"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,19}$", var.name_prefix))
    error_message = "name_prefix must be 2-20 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "environment" {
  description = "Environment name (dev, test, prod...), the cordon module's environment: part of every resource name."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,11}$", var.environment))
    error_message = "environment must be 2-12 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "source_event_bus_name" {
  description = "Bus in this region that receives GuardDuty and Security Hub findings: the default bus of the delegated administrator."
  type        = string
  default     = "default"

  validation {
    condition     = can(regex("^[A-Za-z0-9._/-]{1,256}$", var.source_event_bus_name))
    error_message = "source_event_bus_name must be an event bus name."
  }
}

variable "rules_dir" {
  description = "cordon's rules/ directory. Every triage-*.json file becomes a forwarding rule with the same pattern, so only what triage would consume crosses regions (not every Security Hub update). `$${account_id}` and `$${partition}` are this account's, `$${region}` the home region's."
  type        = string

  validation {
    condition     = length(fileset(var.rules_dir, "triage-*.json")) > 0
    error_message = "rules_dir must contain cordon's rules (at least one triage-*.json)."
  }
}

variable "event_retry_attempts" {
  description = "How many times EventBridge retries delivering an event to the home bus before the dead-letter queue."
  type        = number
  default     = 8

  validation {
    condition     = var.event_retry_attempts >= 0 && var.event_retry_attempts <= 185
    error_message = "event_retry_attempts must be between 0 and 185."
  }
}

variable "event_max_age_seconds" {
  description = "How long EventBridge keeps retrying an event, in seconds."
  type        = number
  default     = 3600

  validation {
    condition     = var.event_max_age_seconds >= 60 && var.event_max_age_seconds <= 86400
    error_message = "event_max_age_seconds must be between 60 and 86400."
  }
}

variable "dlq_message_retention_seconds" {
  description = "How long the dead-letter queue keeps events that could not be forwarded, in seconds (the SQS maximum is 14 days)."
  type        = number
  default     = 1209600

  validation {
    condition     = var.dlq_message_retention_seconds >= 60 && var.dlq_message_retention_seconds <= 1209600
    error_message = "dlq_message_retention_seconds must be between 60 and 1209600."
  }
}

variable "permissions_boundary_arn" {
  description = "Optional permissions boundary for the forwarding role (organisations that mandate one)."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags applied to every taggable resource."
  type        = map(string)
  default     = {}
}
