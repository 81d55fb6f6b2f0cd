# Self-service API and web console on one HTTP API (one origin): the console's files go to the console
# function, everything else to the api function, with a JWT authorizer on the routes that need a token.
# Tokens come from the Cognito user pool created here, or from an external OIDC issuer (jwt_issuer).
# The api function verifies every token again with aws-jwt-verify; the authorizer stops anonymous traffic at
# the edge before it costs a Lambda invocation.

locals {
  create_user_pool = var.jwt_issuer == null

  cognito_domain = coalesce(var.cognito_domain_prefix, "${local.name}-${local.account_id}")
  hosted_ui_url  = "https://${local.cognito_domain}.auth.${local.region}.amazoncognito.com"

  jwt_issuer   = local.create_user_pool ? "https://cognito-idp.${local.region}.amazonaws.com/${one(aws_cognito_user_pool.this[*].id)}" : var.jwt_issuer
  jwt_audience = local.create_user_pool ? aws_cognito_user_pool_client.this[*].id : var.jwt_audience

  # Routes that always need a token. Everything else but the console's files (/config.json, /health...)
  # reaches the api function through the public $default route, where the function enforces access per route.
  protected_routes = toset([
    "ANY /isolations",
    "ANY /isolations/{proxy+}",
    "ANY /policy/{proxy+}",
    "GET /me",
  ])

  # The console function's public routes: CONSOLE_ROUTE_KEYS in functions/lib/console/handler.ts (a test keeps
  # the two equal; the local sandbox routes with that list). Any other method or path goes to the api function.
  console_routes = toset([
    "GET /",
    "GET /index.html",
    "GET /assets/{proxy+}",
  ])
}

resource "aws_cognito_user_pool" "this" {
  count = local.create_user_pool ? 1 : 0

  name                = local.name
  deletion_protection = var.cognito_deletion_protection ? "ACTIVE" : "INACTIVE"
  mfa_configuration   = var.cognito_mfa_configuration

  # Security staff are invited by an administrator; nobody signs themselves up to an isolation console.
  admin_create_user_config {
    allow_admin_create_user_only = true
  }

  dynamic "software_token_mfa_configuration" {
    for_each = var.cognito_mfa_configuration == "OFF" ? [] : [true]
    content {
      enabled = true
    }
  }

  password_policy {
    minimum_length                   = 14
    require_lowercase                = true
    require_uppercase                = true
    require_numbers                  = true
    require_symbols                  = true
    temporary_password_validity_days = 3
  }

  account_recovery_setting {
    recovery_mechanism {
      name     = "verified_email"
      priority = 1
    }
  }

  username_attributes      = ["email"]
  auto_verified_attributes = ["email"]

  tags = var.tags
}

resource "aws_cognito_user_pool_domain" "this" {
  count = local.create_user_pool ? 1 : 0

  domain       = local.cognito_domain
  user_pool_id = aws_cognito_user_pool.this[0].id
}

# A public client: the console is a browser app using the authorization code flow with PKCE (no secret).
resource "aws_cognito_user_pool_client" "this" {
  count = local.create_user_pool ? 1 : 0

  name                                 = "${local.name}-console"
  user_pool_id                         = aws_cognito_user_pool.this[0].id
  generate_secret                      = false
  allowed_oauth_flows_user_pool_client = true
  allowed_oauth_flows                  = ["code"]
  allowed_oauth_scopes                 = ["openid", "profile", "email"]
  supported_identity_providers         = ["COGNITO"]
  callback_urls                        = concat(["${aws_apigatewayv2_api.this.api_endpoint}/"], var.console_callback_urls)
  logout_urls                          = concat(["${aws_apigatewayv2_api.this.api_endpoint}/"], var.console_callback_urls)
  explicit_auth_flows                  = ["ALLOW_REFRESH_TOKEN_AUTH"]
  prevent_user_existence_errors        = "ENABLED"
  enable_token_revocation              = true
  access_token_validity                = 60
  id_token_validity                    = 60
  refresh_token_validity               = 12

  token_validity_units {
    access_token  = "minutes"
    id_token      = "minutes"
    refresh_token = "hours"
  }
}

resource "aws_cognito_user_group" "this" {
  for_each = { for role, group in var.group_names : role => group if local.create_user_pool }

  name         = each.value
  user_pool_id = aws_cognito_user_pool.this[0].id
  description  = "cordon ${each.key}"
}

resource "aws_apigatewayv2_api" "this" {
  name          = local.name
  protocol_type = "HTTP"
  description   = "cordon self-service isolation API and console (${var.environment})."
  tags          = var.tags
}

resource "aws_apigatewayv2_integration" "this" {
  api_id                 = aws_apigatewayv2_api.this.id
  integration_type       = "AWS_PROXY"
  integration_uri        = aws_lambda_function.this["api"].invoke_arn
  payload_format_version = "2.0"
  timeout_milliseconds   = 29000
}

resource "aws_apigatewayv2_integration" "console" {
  api_id                 = aws_apigatewayv2_api.this.id
  integration_type       = "AWS_PROXY"
  integration_uri        = aws_lambda_function.this["console"].invoke_arn
  payload_format_version = "2.0"
  timeout_milliseconds   = 10000
}

resource "aws_apigatewayv2_authorizer" "this" {
  api_id           = aws_apigatewayv2_api.this.id
  name             = "${local.name}-jwt"
  authorizer_type  = "JWT"
  identity_sources = ["$request.header.Authorization"]

  jwt_configuration {
    issuer   = local.jwt_issuer
    audience = local.jwt_audience
  }

  lifecycle {
    precondition {
      condition     = local.create_user_pool || (length(var.jwt_audience) > 0 && var.jwks_uri != null)
      error_message = "With an external jwt_issuer, set jwt_audience (at least one) and jwks_uri."
    }
  }
}

resource "aws_apigatewayv2_route" "protected" {
  for_each = local.protected_routes

  api_id             = aws_apigatewayv2_api.this.id
  route_key          = each.value
  target             = "integrations/${aws_apigatewayv2_integration.this.id}"
  authorization_type = "JWT"
  authorizer_id      = aws_apigatewayv2_authorizer.this.id
}

resource "aws_apigatewayv2_route" "public" {
  api_id    = aws_apigatewayv2_api.this.id
  route_key = "$default"
  target    = "integrations/${aws_apigatewayv2_integration.this.id}"
}

resource "aws_apigatewayv2_route" "console" {
  for_each = local.console_routes

  api_id    = aws_apigatewayv2_api.this.id
  route_key = each.value
  target    = "integrations/${aws_apigatewayv2_integration.console.id}"
}

resource "aws_cloudwatch_log_group" "api_access" {
  name              = "/aws/apigateway/${local.name}"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

resource "aws_apigatewayv2_stage" "this" {
  api_id      = aws_apigatewayv2_api.this.id
  name        = "$default"
  auto_deploy = true

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api_access.arn
    format = jsonencode({
      requestId         = "$context.requestId"
      time              = "$context.requestTime"
      ip                = "$context.identity.sourceIp"
      method            = "$context.httpMethod"
      route             = "$context.routeKey"
      path              = "$context.path"
      status            = "$context.status"
      latencyMs         = "$context.responseLatency"
      integrationStatus = "$context.integrationStatus"
      integrationError  = "$context.integrationErrorMessage"
      authorizerError   = "$context.authorizer.error"
      subject           = "$context.authorizer.claims.sub"
      userAgent         = "$context.identity.userAgent"
    })
  }

  default_route_settings {
    throttling_burst_limit   = var.api_throttling_burst_limit
    throttling_rate_limit    = var.api_throttling_rate_limit
    detailed_metrics_enabled = true
  }

  tags = var.tags
}

resource "aws_lambda_permission" "api" {
  statement_id   = "AllowHttpApi"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.this["api"].function_name
  principal      = "apigateway.amazonaws.com"
  source_arn     = "${aws_apigatewayv2_api.this.execution_arn}/*/*"
  source_account = local.account_id
}

resource "aws_lambda_permission" "console" {
  statement_id   = "AllowHttpApi"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.this["console"].function_name
  principal      = "apigateway.amazonaws.com"
  source_arn     = "${aws_apigatewayv2_api.this.execution_arn}/*/*"
  source_account = local.account_id
}

# Machine clients (SOAR, ticketing): OAuth 2.0 client credentials against the user pool. The resource server
# defines the only scopes cordon honours for them, read and request; there is deliberately no approve, reject,
# release or retry scope, because four eyes means two people. The api function grants a scope only to the client
# ids listed in CORDON_MACHINE_CLIENTS with that scope (functions/lib/api/machine.ts).
resource "aws_cognito_resource_server" "this" {
  count = local.create_user_pool ? 1 : 0

  identifier   = "cordon"
  name         = "${local.name}-api"
  user_pool_id = aws_cognito_user_pool.this[0].id

  scope {
    scope_name        = "read"
    scope_description = "Read isolations and evaluate the policy (viewer)."
  }

  scope {
    scope_name        = "request"
    scope_description = "Request isolations (requester); a person approves them."
  }
}

# A confidential client per machine client: the secret stays in Terraform state and the Cognito console.
resource "aws_cognito_user_pool_client" "machine" {
  for_each = local.create_user_pool ? var.machine_clients : {}

  name                                 = "${local.name}-${each.key}"
  user_pool_id                         = aws_cognito_user_pool.this[0].id
  generate_secret                      = true
  allowed_oauth_flows_user_pool_client = true
  allowed_oauth_flows                  = ["client_credentials"]
  allowed_oauth_scopes                 = [for s in each.value.scopes : "${aws_cognito_resource_server.this[0].identifier}/${s}"]
  supported_identity_providers         = ["COGNITO"]
  explicit_auth_flows                  = ["ALLOW_REFRESH_TOKEN_AUTH"]
  prevent_user_existence_errors        = "ENABLED"
  enable_token_revocation              = true
  access_token_validity                = each.value.token_validity_minutes

  token_validity_units {
    access_token = "minutes"
  }
}
