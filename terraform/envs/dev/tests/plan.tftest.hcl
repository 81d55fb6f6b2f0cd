# Plans the dev environment against a mocked AWS provider (no credentials, no network, no backend) with its
# example terraform.tfvars. .ci/run runs it after `npm run build`, which writes the zips the plan hashes.

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
  # The provider still checks that policies are JSON; the module tests assert the documents' statements.
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
}

run "dev_deploys_the_built_zips_with_its_own_settings" {
  command = plan

  assert {
    condition = alltrue([
      for name, f in module.cordon.function_settings :
      f.runtime == "nodejs22.x" &&
      abspath(f.filename) == abspath("${path.root}/../../../dist/lambda/${name}.zip") &&
      f.source_code_hash == filebase64sha256("${path.root}/../../../dist/lambda/${name}.zip")
    ])
    error_message = "Every function must run nodejs22.x and deploy its zip from npm run build (dist/lambda)."
  }

  assert {
    condition     = module.cordon.function_settings["isolate"].reserved_concurrency == -1 && module.cordon.function_settings["expire"].reserved_concurrency == -1
    error_message = "dev: reserved concurrency of the worker (-1) and of expire (-1)."
  }

  assert {
    condition     = module.cordon.deletion_protection.table == false && module.cordon.deletion_protection.user_pool == "INACTIVE"
    error_message = "dev: deletion protection of the table (false) and the user pool (INACTIVE)."
  }

  assert {
    condition     = module.cordon.member_role_name == "cordon-member-dev" && module.member_roles.role_name == "cordon-member-dev"
    error_message = "dev: the worker and the StackSet must use the environment's own member role name."
  }

  assert {
    condition     = module.cordon.function_names["isolate"] == "cordon-dev-isolate" && module.member_roles.stack_set_name == "cordon-member-role-dev"
    error_message = "dev: resource names must carry the environment."
  }

  assert {
    condition     = module.cordon.evidence.retention_days == 1 && module.cordon.evidence.bucket_name == "cordon-dev-evidence-111111111111"
    error_message = "dev: the evidence bucket is locked for 1 day(s) and named after the environment and account."
  }
}

run "dev_refuses_a_malformed_account_id" {
  command = plan

  variables {
    security_account_id = "not-an-account"
  }

  expect_failures = [var.security_account_id]
}
