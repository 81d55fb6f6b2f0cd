terraform {
  required_version = ">= 1.5.0"

  required_providers {
    # The region comes from the provider the caller passes: one module call per forwarding region.
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
    }
  }
}
