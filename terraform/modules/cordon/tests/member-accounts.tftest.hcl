# The member-account allow-list reaches the pipeline functions and the API (CORDON_MEMBER_ACCOUNTS), is left
# unset without one, and refuses malformed account ids. Mocked AWS provider, plan only, after
# `npm run build` (the plan hashes the zips).

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "111111111111" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_region" {
    defaults = { name = "eu-west-1" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
}

variables {
  environment        = "ci"
  dist_dir           = "../../../dist/lambda"
  rules_dir          = "../../../rules"
  member_role_name   = "cordon-member-ci"
  member_external_id = "ci-external-id"
  organization_id    = "o-exampleorg1"
}

run "passes_the_allow_list_to_the_pipeline_and_the_api" {
  command = plan

  variables {
    member_accounts = ["222222222222", "333333333333"]
  }

  # The environment of each function holds unknown values at plan; the pipeline environment (merged into every
  # function but the console, asserted by test/terraform/functions.test.ts) is known.
  assert {
    condition     = local.pipeline_environment.CORDON_MEMBER_ACCOUNTS == "222222222222,333333333333"
    error_message = "The pipeline functions and the API must get CORDON_MEMBER_ACCOUNTS, comma-separated."
  }
}

run "leaves_the_variable_unset_without_an_allow_list" {
  command = plan

  assert {
    condition     = local.pipeline_environment.CORDON_MEMBER_ACCOUNTS == null
    error_message = "Without member_accounts CORDON_MEMBER_ACCOUNTS must be null (dropped from every function)."
  }
}

run "refuses_a_malformed_account_id" {
  command = plan

  variables {
    member_accounts = ["12345"]
  }

  expect_failures = [var.member_accounts]
}
