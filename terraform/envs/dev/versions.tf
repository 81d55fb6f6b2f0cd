terraform {
  required_version = ">= 1.10.0" # S3 native state locking (use_lockfile)

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.60, < 7.0"
    }
    archive = {
      source  = "hashicorp/archive"
      version = ">= 2.4, < 3.0"
    }
  }

  # State lives in the security account. Replace the placeholders (or pass them with
  # `terraform init -backend-config=...`); one key per environment.
  backend "s3" {
    bucket       = "REPLACE-WITH-STATE-BUCKET"
    key          = "cordon/dev/terraform.tfstate"
    region       = "REPLACE-WITH-STATE-REGION"
    encrypt      = true
    use_lockfile = true
  }
}
