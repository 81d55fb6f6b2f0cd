# Machine clients: the Cognito resource server offers only read and request, each machine client is a
# client-credentials client limited to its scopes, and the API is told which client may use which scope.

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

run "no_machine_client_by_default" {
  command = plan

  assert {
    condition     = length(aws_cognito_user_pool_client.machine) == 0 && local.api_environment.CORDON_MACHINE_CLIENTS == null
    error_message = "No machine client may exist unless configured."
  }

  assert {
    condition     = toset([for s in aws_cognito_resource_server.this[0].scope : s.scope_name]) == toset(["read", "request"])
    error_message = "The resource server must offer read and request only: approval needs a person."
  }
}

run "a_soar_client_reads_and_requests_with_client_credentials" {
  command = plan

  variables {
    machine_clients = {
      soar = { scopes = ["read", "request"] }
    }
  }

  assert {
    condition     = aws_cognito_user_pool_client.machine["soar"].allowed_oauth_flows == toset(["client_credentials"]) && aws_cognito_user_pool_client.machine["soar"].generate_secret == true
    error_message = "A machine client must be a confidential client-credentials client."
  }

  assert {
    condition     = aws_cognito_user_pool_client.machine["soar"].allowed_oauth_scopes == toset(["cordon/read", "cordon/request"])
    error_message = "A machine client must be limited to its configured scopes."
  }

  assert {
    condition     = aws_cognito_user_pool_client.this[0].allowed_oauth_scopes == toset(["openid", "profile", "email"])
    error_message = "The console's client must not be given cordon scopes: a person's roles come from groups."
  }
}

run "refuses_an_approve_scope" {
  command = plan

  variables {
    machine_clients = {
      soar = { scopes = ["read", "approve"] }
    }
  }

  expect_failures = [var.machine_clients]
}
