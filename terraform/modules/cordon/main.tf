# cordon in the security account: the delegated administrator for GuardDuty and Security Hub.
#
# Layout of this module:
#   main.tf     functions: Lambda, log group, dead-letter queue and async settings per entry point
#   iam.tf      one execution role per function, with exactly the permissions its code declares
#   events.tf   EventBridge rules from rules/*.json, the expire schedule, Security Hub custom actions
#   storage.tf  DynamoDB table, SNS topic and its KMS key
#   evidence.tf the evidence bucket (modules/evidence-bucket) and the worker's writes to it
#   api.tf      HTTP API, JWT authorizer, Cognito user pool
#   alarms.tf   CloudWatch alarms to the topic

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name
  name       = "${var.name_prefix}-${var.environment}"

  # One entry per Lambda entry point in functions/*.ts (test/terraform asserts the two lists are equal).
  # `asynchronous`: invoked by EventBridge or by another function with InvocationType Event, so Lambda's
  # async retries and the dead-letter queue apply. The API is invoked synchronously by API Gateway; it still
  # gets a dead-letter queue so that an accidental async invocation is never lost silently.
  function_defaults = {
    triage = {
      description          = "Matches GuardDuty and Security Hub findings against the policy and starts or parks isolations."
      memory_size          = 256
      timeout              = 60
      reserved_concurrency = -1
      asynchronous         = true
    }
    approve = {
      description          = "Handles the Security Hub approve and reject custom actions."
      memory_size          = 256
      timeout              = 60
      reserved_concurrency = -1
      asynchronous         = true
    }
    isolate = {
      description = "The isolation worker: assumes the member role and runs the action's steps."
      memory_size = 512
      # Snapshots, Auto Scaling standby and per-interface changes across many ENIs take time.
      timeout = 300
      # Bounds parallel containment so a storm of findings cannot throttle member-account APIs, and reserves
      # capacity so other functions in the account can never starve the worker.
      reserved_concurrency = 10
      asynchronous         = true
    }
    expire = {
      description = "Expires pending approvals older than the policy's expiry and retries pending reports."
      memory_size = 256
      timeout     = 120
      # One run at a time: overlapping schedules would race on the same records.
      reserved_concurrency = 1
      asynchronous         = true
    }
    api = {
      description          = "Self-service isolation API: the JSON routes and the console's /config.json."
      memory_size          = 512
      timeout              = 29 # API Gateway HTTP APIs stop waiting after 30 seconds.
      reserved_concurrency = -1
      asynchronous         = false
    }
    console = {
      # Its own function so that the API's bundle does not carry the console; it has no AWS permissions.
      description          = "Serves the web console's files (/, /index.html, /assets/*)."
      memory_size          = 256
      timeout              = 10
      reserved_concurrency = -1
      asynchronous         = false
    }
  }

  functions = {
    for name, defaults in local.function_defaults : name => merge(
      defaults,
      {
        for key, value in try(var.function_settings[name], { memory_size = null, timeout = null, reserved_concurrency = null }) :
        key => value if value != null
      },
    )
  }

  function_names = { for name in keys(local.functions) : name => "${local.name}-${name}" }

  # The deterministic zips `npm run build` writes (scripts/zip.ts): an unchanged build has an unchanged hash,
  # so a plan shows a code change only when the code changed.
  function_zips = { for name in keys(local.functions) : name => "${var.dist_dir}/${name}.zip" }

  # Built from the name, not the resource, so that roles and policies never depend on the functions
  # (Lambda checks the dead-letter permission of the role when the function is created).
  worker_function_arn = "arn:${local.partition}:lambda:${local.region}:${local.account_id}:function:${local.function_names.isolate}"

  # Read by every function: the Powertools logger, and source maps so that stack traces in the logs point at
  # the TypeScript sources (the bundles ship them).
  runtime_environment = {
    POWERTOOLS_LOG_LEVEL = var.log_level
    NODE_OPTIONS         = "--enable-source-maps"
  }

  # Environment read by functions/lib/config.ts (every pipeline function and the API).
  pipeline_environment = {
    CORDON_SECURITY_ACCOUNT_ID = local.account_id
    CORDON_TABLE_NAME          = aws_dynamodb_table.this.name
    CORDON_TOPIC_ARN           = aws_sns_topic.this.arn
    CORDON_WORKER_FUNCTION     = local.function_names.isolate
    CORDON_MEMBER_ROLE_NAME    = var.member_role_name
    CORDON_EXTERNAL_ID         = var.member_external_id
    CORDON_APPROVE_ACTION_ID   = aws_securityhub_action_target.approve.identifier
    CORDON_REJECT_ACTION_ID    = aws_securityhub_action_target.reject.identifier
    CORDON_RESOURCE_PREFIX     = var.name_prefix
    # Unset (null is dropped below) when there is no allow-list.
    CORDON_MEMBER_ACCOUNTS = length(var.member_accounts) > 0 ? join(",", var.member_accounts) : null
    # A worker run renews its 60-second lease while it lives and is fenced once it lapses, so the expire sweep
    # (every minute) takes over a crashed containment within about two minutes, whatever the worker's timeout.
    CORDON_WORKER_LEASE_SECONDS = "60"
    # Where the worker writes evidence, and the key every write must name (evidence.tf).
    CORDON_EVIDENCE_BUCKET  = module.evidence_bucket.bucket_name
    CORDON_EVIDENCE_KEY_ARN = module.evidence_bucket.key_arn
    # Tag keys whose values become the notifications' owner and team attributes (SNS subscription filters).
    CORDON_OWNER_TAG_KEYS = join(",", var.owner_tag_keys)
    CORDON_TEAM_TAG_KEYS  = join(",", var.team_tag_keys)
  }

  # Environment read by functions/lib/api/config.ts.
  api_environment = {
    CORDON_AUTH_MODE             = local.create_user_pool ? "cognito" : "oidc"
    CORDON_COGNITO_USER_POOL_ID  = one(aws_cognito_user_pool.this[*].id)
    CORDON_AUTH_CLIENT_ID        = one(aws_cognito_user_pool_client.this[*].id)
    CORDON_AUTH_ISSUER           = local.create_user_pool ? null : var.jwt_issuer
    CORDON_AUTH_AUDIENCE         = local.create_user_pool ? null : try(var.jwt_audience[0], null)
    CORDON_AUTH_JWKS_URI         = local.create_user_pool ? null : var.jwks_uri
    CORDON_AUTH_TOKEN_USE        = var.jwt_token_use
    CORDON_AUTH_GROUPS_CLAIM     = var.groups_claim
    CORDON_GROUP_REQUESTERS      = var.group_names.requesters
    CORDON_GROUP_APPROVERS       = var.group_names.approvers
    CORDON_GROUP_VIEWERS         = var.group_names.viewers
    CORDON_CONSOLE_AUTHORIZE_URL = local.create_user_pool ? "${local.hosted_ui_url}/oauth2/authorize" : var.console_authorize_url
    CORDON_CONSOLE_TOKEN_URL     = local.create_user_pool ? "${local.hosted_ui_url}/oauth2/token" : var.console_token_url
    CORDON_CONSOLE_LOGOUT_URL    = local.create_user_pool ? "${local.hosted_ui_url}/logout" : null
    # The member accounts' read-only lookup role, for the request form's Name lookup (api/instance-lookup.ts).
    CORDON_LOOKUP_ROLE_NAME = var.lookup_role_name
    # The machine clients and the scopes each may use (functions/lib/api/machine-scopes.ts).
    CORDON_MACHINE_CLIENTS = length(aws_cognito_user_pool_client.machine) > 0 ? jsonencode([
      for name, c in aws_cognito_user_pool_client.machine : {
        clientId = c.id
        name     = name
        scopes   = [for s in var.machine_clients[name].scopes : "cordon/${s}"]
      }
    ]) : null
  }

  # Environment read by functions/lib/console/config.ts: only the token endpoint its Content-Security-Policy
  # allows the page to call. The console function reads no pipeline or API setting.
  console_environment = {
    CORDON_CONSOLE_TOKEN_URL = local.api_environment.CORDON_CONSOLE_TOKEN_URL
  }

  # Null values are dropped: the configuration schemas treat an absent variable as "not configured".
  function_environment = {
    for name in keys(local.functions) : name => {
      for key, value in merge(
        local.runtime_environment,
        name == "console" ? local.console_environment : local.pipeline_environment,
        name == "api" ? local.api_environment : {},
      ) : key => value if value != null
    }
  }
}

resource "aws_cloudwatch_log_group" "function" {
  for_each = local.functions

  name              = "/aws/lambda/${local.function_names[each.key]}"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

# One dead-letter queue per function, so an alarm names the function whose events were lost.
resource "aws_sqs_queue" "function_dlq" {
  for_each = local.functions

  name                      = "${local.function_names[each.key]}-dlq"
  message_retention_seconds = var.dlq_message_retention_seconds
  sqs_managed_sse_enabled   = true
  tags                      = var.tags
}

resource "aws_lambda_function" "this" {
  for_each = local.functions

  function_name = local.function_names[each.key]
  description   = each.value.description
  role          = aws_iam_role.function[each.key].arn
  runtime       = var.lambda_runtime
  architectures = ["arm64"]
  handler       = "index.handler"
  filename      = local.function_zips[each.key]
  # try(): `terraform validate` must work on a fresh clone; the precondition below makes plan fail clearly.
  source_code_hash = try(filebase64sha256(local.function_zips[each.key]), null)
  memory_size      = each.value.memory_size
  timeout          = each.value.timeout

  reserved_concurrent_executions = each.value.reserved_concurrency

  environment {
    variables = local.function_environment[each.key]
  }

  dead_letter_config {
    target_arn = aws_sqs_queue.function_dlq[each.key].arn
  }

  tags = var.tags

  # The role must be able to write logs and reach its dead-letter queue before the function exists.
  depends_on = [aws_iam_role_policy.function, aws_cloudwatch_log_group.function]

  lifecycle {
    precondition {
      condition     = fileexists(local.function_zips[each.key])
      error_message = "No ${local.function_zips[each.key]}: run `npm run build` before planning (it writes one zip per function)."
    }
  }
}

resource "aws_lambda_function_event_invoke_config" "this" {
  for_each = { for name, settings in local.functions : name => settings if settings.asynchronous }

  function_name                = aws_lambda_function.this[each.key].function_name
  maximum_retry_attempts       = var.async_retry_attempts
  maximum_event_age_in_seconds = var.async_max_event_age_seconds
}
