# Plans the module against a mocked AWS provider (no credentials, no network) and asserts the properties a
# deployment relies on. .ci/run runs it after `npm run build`, which writes the zips the plan hashes.

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
  # The provider still checks that policies are JSON; the runs assert the documents' statements instead.
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

run "functions_deploy_the_built_zips_on_nodejs22" {
  command = plan

  assert {
    condition     = length(aws_lambda_function.this) == 6 && alltrue([for f in aws_lambda_function.this : f.runtime == "nodejs22.x"])
    error_message = "Every function must default to nodejs22.x."
  }

  assert {
    condition = alltrue([
      for name, f in aws_lambda_function.this :
      f.filename == "../../../dist/lambda/${name}.zip" && f.source_code_hash == filebase64sha256("../../../dist/lambda/${name}.zip")
    ])
    error_message = "Every function must deploy dist/lambda/<name>.zip from npm run build, with its filebase64sha256 as source_code_hash."
  }

  assert {
    condition     = alltrue([for f in aws_lambda_function.this : f.architectures == tolist(["arm64"]) && f.handler == "index.handler"])
    error_message = "Functions run index.handler on arm64."
  }

  assert {
    condition     = aws_lambda_function.this["isolate"].reserved_concurrent_executions == 10 && aws_lambda_function.this["expire"].reserved_concurrent_executions == 1
    error_message = "The worker's (10) and expire's (1) default reserved concurrency changed."
  }

  assert {
    # The functions' environment maps are unknown until apply (table and topic names); this input is not.
    condition     = local.pipeline_environment.CORDON_MEMBER_ROLE_NAME == "cordon-member-ci"
    error_message = "The worker must assume the member role name the module was given."
  }
}

run "roles_are_least_privilege" {
  command = plan

  assert {
    condition = (
      length(data.aws_iam_policy_document.lambda_trust.statement) == 1 &&
      one(data.aws_iam_policy_document.lambda_trust.statement).actions == toset(["sts:AssumeRole"]) &&
      one(one(data.aws_iam_policy_document.lambda_trust.statement).principals).identifiers == toset(["lambda.amazonaws.com"])
    )
    error_message = "Function roles must trust only the Lambda service."
  }

  assert {
    condition = flatten([
      for st in data.aws_iam_policy_document.function["isolate"].statement : tolist(st.resources) if contains(st.actions, "sts:AssumeRole")
    ]) == ["arn:aws:iam::*:role/cordon-member-ci"]
    error_message = "The worker may assume only the member role name, and nothing else."
  }

  assert {
    condition = [
      for st in data.aws_iam_policy_document.function["isolate"].statement : [
        for c in st.condition : "${c.test} ${c.variable} ${join(",", tolist(c.values))}"
      ] if contains(st.actions, "sts:AssumeRole")
    ] == [["StringEquals aws:ResourceOrgID o-exampleorg1"]]
    error_message = "The worker may assume the member role only in accounts of the organisation (aws:ResourceOrgID)."
  }

  assert {
    condition = {
      for c in one([for st in data.aws_iam_policy_document.topic_key.statement : st if st.sid == "CloudWatchAlarms"]).condition :
      c.variable => "${c.test} ${join(",", tolist(c.values))}"
      } == {
      "aws:SourceAccount" = "StringEquals 111111111111"
      "aws:SourceArn"     = "ArnLike arn:aws:cloudwatch:eu-west-1:111111111111:alarm:cordon-ci-*"
    }
    error_message = "CloudWatch may use the topic key only for this deployment's alarms in this account."
  }

  assert {
    condition = alltrue(concat(
      [for p in aws_lambda_permission.pattern : p.source_account == "111111111111"],
      [aws_lambda_permission.expire.source_account == "111111111111"],
      [aws_lambda_permission.api.source_account == "111111111111", aws_lambda_permission.console.source_account == "111111111111"],
    ))
    error_message = "Every service principal allowed to invoke a function must come from this account (source_account)."
  }

  assert {
    condition = alltrue([
      for name, document in data.aws_iam_policy_document.function :
      contains(["isolate", "api"], name) || !contains(flatten([for st in document.statement : tolist(st.actions)]), "sts:AssumeRole")
    ])
    error_message = "Only the worker and the API may assume roles."
  }

  assert {
    condition = [
      for st in data.aws_iam_policy_document.function["api"].statement : toset(st.resources)
      if contains(tolist(st.actions), "sts:AssumeRole")
    ] == [toset(["arn:aws:iam::*:role/cordon-lookup"])]
    error_message = "The API may assume only the read-only lookup role name, never the member role."
  }

  assert {
    condition = !anytrue(flatten([
      for document in data.aws_iam_policy_document.function : [
        for st in document.statement : anytrue([for action in st.actions : strcontains(action, "*")])
      ]
    ]))
    error_message = "No function statement may use a wildcard action."
  }

  assert {
    condition     = length(data.aws_iam_policy_document.function["console"].statement) == 2
    error_message = "The console function may only write its logs and its dead-letter queue."
  }

  assert {
    condition = alltrue([
      for st in data.aws_iam_policy_document.events_dlq.statement : (
        one(st.principals).identifiers == toset(["events.amazonaws.com"]) &&
        # The rule ARNs themselves are known only after apply.
        one(st.condition).test == "ArnEquals" && one(st.condition).variable == "aws:SourceArn"
      ) if st.effect == "Allow"
    ])
    error_message = "Only this module's EventBridge rules may send to the events dead-letter queue."
  }
}

run "refuses_a_worker_without_the_organisation" {
  command = plan

  variables {
    organization_id = null
  }

  expect_failures = [var.organization_id]
}

run "refuses_a_worker_without_the_external_id" {
  command = plan

  variables {
    member_external_id = null
  }

  expect_failures = [var.member_external_id]
}

run "rejects_nodejs20" {
  command = plan

  variables {
    lambda_runtime = "nodejs20.x"
  }

  expect_failures = [var.lambda_runtime]
}

run "refuses_to_plan_without_a_build" {
  command = plan

  variables {
    dist_dir = "tests/no-build-here"
  }

  expect_failures = [aws_lambda_function.this]
}
