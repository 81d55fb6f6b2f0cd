variable "region" {
  description = "The region whose GuardDuty and Security Hub findings are forwarded: any enabled region except the home region."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-\\d$", var.region))
    error_message = "region must be an AWS region such as eu-central-1."
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

variable "environment" {
  description = "The cordon environment (dev, test or prod) whose home bus receives the findings."
  type        = string

  validation {
    condition     = contains(["dev", "test", "prod"], var.environment)
    error_message = "environment must be dev, test or prod."
  }
}

variable "home_event_bus_arn" {
  description = "The environment's home bus: `terraform output -raw event_bus_arn` in terraform/envs/<environment>."
  type        = string
}
