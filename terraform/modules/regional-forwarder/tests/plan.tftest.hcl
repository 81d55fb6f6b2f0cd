# Plans the module against a mocked AWS provider (no credentials, no network) and asserts what forwarding
# relies on: the rules have the triage rules' patterns, the target is the home bus, and the role may put events
# on that bus only, for these rules only.

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

variables {
  environment        = "ci"
  rules_dir          = "../../../rules"
  home_event_bus_arn = "arn:aws:events:eu-west-1:111111111111:event-bus/default"
}

run "forwards_guardduty_and_security_hub_findings_to_the_home_bus" {
  command = plan

  assert {
    condition = {
      for key, rule in aws_cloudwatch_event_rule.forward : key => jsondecode(rule.event_pattern)
      } == {
      for file in fileset("../../../rules", "triage-*.json") : trimsuffix(file, ".json") => jsondecode(file("../../../rules/${file}"))
    }
    error_message = "There must be one forwarding rule per triage rule, with its pattern."
  }

  assert {
    condition     = toset(keys(aws_cloudwatch_event_rule.forward)) == toset(["triage-guardduty", "triage-securityhub-imported"])
    error_message = "GuardDuty findings and Security Hub imported findings must be forwarded."
  }

  assert {
    condition     = alltrue([for rule in aws_cloudwatch_event_rule.forward : rule.event_bus_name == "default"])
    error_message = "The rules must listen on the default bus, where GuardDuty and Security Hub deliver findings."
  }

  assert {
    condition     = alltrue([for target in aws_cloudwatch_event_target.forward : target.arn == var.home_event_bus_arn])
    error_message = "Every target must be the home region's bus."
  }

  assert {
    condition = alltrue([
      for target in aws_cloudwatch_event_target.forward :
      target.retry_policy[0].maximum_retry_attempts == 8 && target.retry_policy[0].maximum_event_age_in_seconds == 3600
    ])
    error_message = "Every target must retry, then dead-letter."
  }

  assert {
    condition     = aws_iam_role.this.name == "cordon-ci-forward-eu-central-1"
    error_message = "The role name must carry the region (IAM names are global to the account)."
  }
}

run "lets_the_role_put_events_on_the_home_bus_only" {
  command = plan

  assert {
    condition = jsondecode(aws_iam_role_policy.this.policy).Statement == [{
      Sid      = "PutEventsOnTheHomeBusOnly"
      Effect   = "Allow"
      Action   = "events:PutEvents"
      Resource = "arn:aws:events:eu-west-1:111111111111:event-bus/default"
    }]
    error_message = "The role's only permission must be events:PutEvents on the home bus."
  }

  assert {
    condition     = jsondecode(aws_iam_role.this.assume_role_policy).Statement[0].Principal.Service == "events.amazonaws.com" && jsondecode(aws_iam_role.this.assume_role_policy).Statement[0].Condition.StringEquals["aws:SourceAccount"] == "111111111111"
    error_message = "Only EventBridge in this account may assume the role."
  }

  assert {
    condition = toset(jsondecode(aws_iam_role.this.assume_role_policy).Statement[0].Condition.ArnEquals["aws:SourceArn"]) == toset([
      "arn:aws:events:eu-central-1:111111111111:rule/cordon-ci-forward-triage-guardduty",
      "arn:aws:events:eu-central-1:111111111111:rule/cordon-ci-forward-triage-securityhub-imported",
    ])
    error_message = "EventBridge may assume the role only for the forwarding rules."
  }

  assert {
    condition = jsondecode(aws_sqs_queue_policy.this.policy).Statement[0].Condition.ArnEquals["aws:SourceArn"] == [
      "arn:aws:events:eu-central-1:111111111111:rule/cordon-ci-forward-triage-guardduty",
      "arn:aws:events:eu-central-1:111111111111:rule/cordon-ci-forward-triage-securityhub-imported",
    ] && jsondecode(aws_sqs_queue_policy.this.policy).Statement[1].Effect == "Deny"
    error_message = "Only the forwarding rules may dead-letter, over TLS."
  }
}

run "names_rules_on_a_custom_bus_with_the_bus" {
  command = plan

  variables {
    source_event_bus_name = "findings"
  }

  assert {
    condition     = contains(jsondecode(aws_iam_role.this.assume_role_policy).Statement[0].Condition.ArnEquals["aws:SourceArn"], "arn:aws:events:eu-central-1:111111111111:rule/findings/cordon-ci-forward-triage-guardduty")
    error_message = "Rules on a custom bus have the bus name in their ARN."
  }
}

run "refuses_to_forward_the_home_region_to_itself" {
  command = plan

  variables {
    home_event_bus_arn = "arn:aws:events:eu-central-1:111111111111:event-bus/default"
  }

  expect_failures = [aws_cloudwatch_event_rule.forward]
}

run "rejects_a_target_that_is_not_an_event_bus" {
  command = plan

  variables {
    home_event_bus_arn = "arn:aws:sqs:eu-west-1:111111111111:queue"
  }

  expect_failures = [var.home_event_bus_arn]
}

run "refuses_a_directory_without_triage_rules" {
  command = plan

  variables {
    rules_dir = "."
  }

  expect_failures = [var.rules_dir]
}
