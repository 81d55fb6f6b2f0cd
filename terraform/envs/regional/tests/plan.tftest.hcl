# Plans the regional root against a mocked AWS provider (no credentials, no network, no backend) with its
# example terraform.tfvars. terraform test runs in the `default` workspace, which is not <environment>-<region>:
# the workspace check must flag it.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "111111111111" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_region" {
    defaults = { name = "eu-central-1" }
  }
}

run "forwards_the_region_to_the_home_bus_of_its_environment" {
  command = plan

  expect_failures = [check.workspace]

  assert {
    condition     = toset(keys(module.forwarder.rule_arns)) == toset(["triage-guardduty", "triage-securityhub-imported"])
    error_message = "The region's GuardDuty and Security Hub findings must be forwarded."
  }

  assert {
    condition     = module.forwarder.region == "eu-central-1"
    error_message = "The forwarder must be deployed in the region of the root's provider."
  }
}

run "refuses_an_unknown_environment" {
  command = plan

  variables {
    environment = "staging"
  }

  expect_failures = [var.environment]
}
