terraform {
  required_version = ">= 1.5.0"

  required_providers {
    # The only provider: `npm run build` writes the Lambda zips. 5.100 is the oldest release checked to accept
    # the default runtime nodejs22.x; nodejs24.x needs 6.20.0 or newer.
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
    }
  }
}
