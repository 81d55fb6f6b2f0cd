# cordon's regional forwarder, one region at a time: applied once per environment and non-home region, each in
# its own workspace, in the security account (the GuardDuty and Security Hub delegated administrator, whose
# default bus in every region receives all members' findings). See docs/deploy.md, "Every region in seconds".
#
# A root per region rather than a module call per region in the environment roots: a provider's region
# cannot come from for_each (hashicorp/aws 5.x), and a provider block per possible region would configure,
# and call, every one of them on every plan.

provider "aws" {
  region              = var.region
  allowed_account_ids = [var.security_account_id]

  default_tags {
    tags = {
      Application = "cordon"
      Environment = var.environment
      ManagedBy   = "terraform"
    }
  }
}

module "forwarder" {
  source = "../../modules/regional-forwarder"

  environment        = var.environment
  home_event_bus_arn = var.home_event_bus_arn
  rules_dir          = "${path.root}/../../../rules"
}

check "workspace" {
  assert {
    condition     = terraform.workspace == "${var.environment}-${var.region}"
    error_message = "Workspace ${terraform.workspace} holds another region's forwarder: run `terraform workspace select -or-create ${var.environment}-${var.region}` first."
  }
}
