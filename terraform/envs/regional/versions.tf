terraform {
  required_version = ">= 1.10.0" # S3 native state locking (use_lockfile)

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
    }
  }

  # One state per environment and region: a workspace named <environment>-<region> (the `workspace` check in
  # main.tf warns when they differ). Replace the placeholders (or pass -backend-config=...).
  backend "s3" {
    bucket       = "REPLACE-WITH-STATE-BUCKET"
    key          = "cordon/regional/terraform.tfstate"
    region       = "REPLACE-WITH-STATE-REGION"
    encrypt      = true
    use_lockfile = true
  }
}
