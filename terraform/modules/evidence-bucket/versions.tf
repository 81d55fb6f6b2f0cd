terraform {
  required_version = ">= 1.5.0"

  required_providers {
    # The bucket lives in the region of the provider the caller passes: the security account's home region.
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
    }
  }
}
