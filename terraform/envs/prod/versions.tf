terraform {
  required_version = ">= 1.10.0" # S3 native state locking (use_lockfile)

  required_providers {
    # The only provider: `npm run build` writes the Lambda zips. 5.100 is the oldest release checked to accept
    # the default runtime nodejs22.x; nodejs24.x needs 6.20.0 or newer.
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
    }
  }

  # State lives in the security account. Replace the placeholders (or pass them with
  # `terraform init -backend-config=...`); one key per environment.
  backend "s3" {
    bucket       = "REPLACE-WITH-STATE-BUCKET"
    key          = "cordon/prod/terraform.tfstate"
    region       = "REPLACE-WITH-STATE-REGION"
    encrypt      = true
    use_lockfile = true
  }
}
