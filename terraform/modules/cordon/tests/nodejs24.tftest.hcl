# nodejs24.x needs an AWS provider release that knows the runtime: hashicorp/aws 6.x from about 6.20.0
# (5.100.0, the last 5.x, refuses it at plan). .ci/run skips this file, and says so, when the installed
# provider is older.

mock_provider "aws" {
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
}

variables {
  environment        = "ci"
  dist_dir           = "../../../dist/lambda"
  rules_dir          = "../../../rules"
  lambda_runtime     = "nodejs24.x"
  member_external_id = "ci-external-id"
  organization_id    = "o-exampleorg1"
}

run "functions_run_on_nodejs24" {
  command = plan

  assert {
    condition     = alltrue([for f in aws_lambda_function.this : f.runtime == "nodejs24.x"])
    error_message = "lambda_runtime must reach every function."
  }
}
