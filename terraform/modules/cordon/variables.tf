# --- Naming and packaging -------------------------------------------------------------------------------

variable "name_prefix" {
  description = "Prefix of every resource name. cordon's guards refuse to contain resources whose names start with it (its own roles and functions)."
  type        = string
  default     = "cordon"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,19}$", var.name_prefix))
    error_message = "name_prefix must be 2-20 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "environment" {
  description = "Environment name (dev, test, prod...), part of every resource name."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,11}$", var.environment))
    error_message = "environment must be 2-12 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "dist_dir" {
  description = "Directory holding the zip files `npm run build` writes (dist/lambda): one <function>.zip per entry point in functions/."
  type        = string
}

variable "rules_dir" {
  description = "Directory of EventBridge patterns (the repository's rules/). Every <target>-<name>.json in it is deployed, and nothing else."
  type        = string
}

variable "tags" {
  description = "Tags applied to every taggable resource."
  type        = map(string)
  default     = {}
}

# --- Functions --------------------------------------------------------------------------------------------

variable "lambda_runtime" {
  description = "Lambda runtime of every function: nodejs22.x (default) or nodejs24.x. The bundles target Node.js 22 and leave the AWS SDK v3 to the runtime, which both provide. nodejs24.x needs an AWS provider release that knows it (hashicorp/aws 5.100.0 refuses it at plan)."
  type        = string
  default     = "nodejs22.x"
  nullable    = false

  validation {
    # Node.js 20 reached end of life on Lambda; the bundles are built for node22 (scripts/build.ts).
    condition     = contains(["nodejs22.x", "nodejs24.x"], var.lambda_runtime)
    error_message = "lambda_runtime must be nodejs22.x or nodejs24.x."
  }
}

variable "function_settings" {
  description = "Per-function overrides of memory_size (MB), timeout (seconds) and reserved_concurrency (-1: unreserved), keyed by function name (triage, approve, isolate, expire, api, console). Unset values keep the module defaults."
  type = map(object({
    memory_size          = optional(number)
    timeout              = optional(number)
    reserved_concurrency = optional(number)
  }))
  default = {}

  validation {
    condition     = alltrue([for name in keys(var.function_settings) : contains(["triage", "approve", "isolate", "expire", "api", "console"], name)])
    error_message = "function_settings keys must be function names: triage, approve, isolate, expire, api, console."
  }

  validation {
    condition = alltrue([
      for settings in values(var.function_settings) :
      # Terraform's && and || do not short-circuit, hence coalesce() instead of null checks.
      coalesce(settings.memory_size, 128) >= 128 && coalesce(settings.memory_size, 128) <= 10240 &&
      coalesce(settings.timeout, 1) >= 1 && coalesce(settings.timeout, 1) <= 900 &&
      coalesce(settings.reserved_concurrency, -1) >= -1
    ])
    error_message = "memory_size must be 128-10240, timeout 1-900, reserved_concurrency -1 (unreserved) or more."
  }
}

variable "log_level" {
  description = "Powertools log level of the functions."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARN", "ERROR"], var.log_level)
    error_message = "log_level must be DEBUG, INFO, WARN or ERROR."
  }
}

variable "log_retention_days" {
  description = "Retention of the function and API access log groups, in days."
  type        = number
  default     = 90

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, ...)."
  }
}

variable "dlq_message_retention_seconds" {
  description = "How long dead-letter queues keep unprocessed events, in seconds (the SQS maximum is 14 days)."
  type        = number
  default     = 1209600

  validation {
    condition     = var.dlq_message_retention_seconds >= 60 && var.dlq_message_retention_seconds <= 1209600
    error_message = "dlq_message_retention_seconds must be between 60 and 1209600."
  }
}

variable "async_retry_attempts" {
  description = "Retries Lambda makes for a failed asynchronous invocation before the event goes to the function's dead-letter queue."
  type        = number
  default     = 2

  validation {
    condition     = var.async_retry_attempts >= 0 && var.async_retry_attempts <= 2
    error_message = "async_retry_attempts must be 0, 1 or 2."
  }
}

variable "async_max_event_age_seconds" {
  description = "Maximum age of an asynchronous event before Lambda sends it to the dead-letter queue, in seconds."
  type        = number
  default     = 21600

  validation {
    condition     = var.async_max_event_age_seconds >= 60 && var.async_max_event_age_seconds <= 21600
    error_message = "async_max_event_age_seconds must be between 60 and 21600."
  }
}

variable "permissions_boundary_arn" {
  description = "Optional permissions boundary for the function roles (organisations that mandate one)."
  type        = string
  default     = null
}

# --- Cross-account ----------------------------------------------------------------------------------------

variable "member_role_name" {
  description = "Name of the role the worker assumes in member accounts (the member-role module's role_name). The worker may assume only this role name."
  type        = string
  default     = "cordon-member"

  validation {
    condition     = can(regex("^[\\w+=,.@-]{1,64}$", var.member_role_name))
    error_message = "member_role_name must be a valid IAM role name."
  }
}

variable "lookup_role_name" {
  description = "Name of the read-only role the API assumes in member accounts to resolve a Name tag to instance ids for the console's request form (the member-role module's lookup_role_name, deployed where lookup_role_enabled is true). It allows ec2:DescribeInstances only; accounts without it answer the lookup with a clear error and the form takes instance ids."
  type        = string
  default     = "cordon-lookup"

  validation {
    condition     = can(regex("^[\\w+=,.@-]{1,64}$", var.lookup_role_name))
    error_message = "lookup_role_name must be a valid IAM role name."
  }
}

variable "member_external_id" {
  description = "sts:ExternalId the worker presents when assuming the member role (must equal the member-role module's external_id, which the member role requires). Required."
  type        = string

  validation {
    # RE2 caps repetition counts at 1000, so the length is checked separately.
    condition     = try(length(var.member_external_id) >= 2 && length(var.member_external_id) <= 1224 && can(regex("^[\\w+=,.@:/-]+$", var.member_external_id)), false)
    error_message = "member_external_id must be 2-1224 characters of [A-Za-z0-9+=,.@:/_-]."
  }
}

variable "organization_id" {
  description = "AWS Organizations id (o-...). The worker may assume the member role only in accounts of this organisation (aws:ResourceOrgID on its sts:AssumeRole). Required."
  type        = string

  validation {
    condition     = can(regex("^o-[a-z0-9]{10,32}$", var.organization_id))
    error_message = "organization_id must look like o-abc123defg."
  }
}

# --- Events -----------------------------------------------------------------------------------------------

variable "event_bus_name" {
  description = "Event bus that receives GuardDuty and Security Hub events (the default bus of the delegated administrator)."
  type        = string
  default     = "default"
}

variable "event_retry_attempts" {
  description = "How many times EventBridge retries delivering an event to a function before the dead-letter queue."
  type        = number
  default     = 8

  validation {
    condition     = var.event_retry_attempts >= 0 && var.event_retry_attempts <= 185
    error_message = "event_retry_attempts must be between 0 and 185."
  }
}

variable "event_max_age_seconds" {
  description = "How long EventBridge keeps retrying an event, in seconds."
  type        = number
  default     = 3600

  validation {
    condition     = var.event_max_age_seconds >= 60 && var.event_max_age_seconds <= 86400
    error_message = "event_max_age_seconds must be between 60 and 86400."
  }
}

variable "expire_schedule_expression" {
  description = "How often the expire function runs (EventBridge schedule expression). Every minute by default: it resumes a containment whose worker died while the resource was exposed."
  type        = string
  default     = "rate(1 minute)"

  validation {
    condition     = can(regex("^(rate\\(.+\\)|cron\\(.+\\))$", var.expire_schedule_expression))
    error_message = "expire_schedule_expression must be rate(...) or cron(...)."
  }
}

variable "approve_action" {
  description = "Security Hub custom action that approves pending isolations. `id` must equal the policy's customActions approve id."
  type = object({
    id   = string
    name = string
  })
  default = {
    id   = "CordonApprove"
    name = "Cordon approve"
  }

  validation {
    condition     = can(regex("^[A-Za-z0-9]{1,20}$", var.approve_action.id)) && length(var.approve_action.name) >= 1 && length(var.approve_action.name) <= 20
    error_message = "approve_action.id must be 1-20 alphanumerics and approve_action.name 1-20 characters (Security Hub limits)."
  }
}

variable "reject_action" {
  description = "Security Hub custom action that rejects pending isolations. `id` must equal the policy's customActions reject id."
  type = object({
    id   = string
    name = string
  })
  default = {
    id   = "CordonReject"
    name = "Cordon reject"
  }

  validation {
    condition     = can(regex("^[A-Za-z0-9]{1,20}$", var.reject_action.id)) && length(var.reject_action.name) >= 1 && length(var.reject_action.name) <= 20
    error_message = "reject_action.id must be 1-20 alphanumerics and reject_action.name 1-20 characters (Security Hub limits)."
  }
}

# --- Evidence ---------------------------------------------------------------------------------------------

variable "evidence_retention_days" {
  description = "Object Lock COMPLIANCE retention of every artifact in the evidence bucket, in days. Nobody, the root user included, can delete an artifact or shorten this for the versions already written."
  type        = number
  default     = 365

  validation {
    condition     = var.evidence_retention_days >= 1 && var.evidence_retention_days <= 36500 && floor(var.evidence_retention_days) == var.evidence_retention_days
    error_message = "evidence_retention_days must be a whole number of days between 1 and 36500."
  }
}

variable "evidence_reader_role_arn" {
  description = "The forensics role: the only principal that may read (and decrypt) the evidence, for example to run `cordon evidence verify`. Null: nobody can read it until this is set."
  type        = string
  default     = null

  validation {
    condition     = var.evidence_reader_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::\\d{12}:role/.+$", var.evidence_reader_role_arn))
    error_message = "evidence_reader_role_arn must be an IAM role ARN (or null)."
  }
}

variable "evidence_administrator_arns" {
  description = "IAM role ARNs that may change the evidence bucket's Object Lock, encryption, versioning and lifecycle configuration. Empty: nobody can (add one and apply before changing evidence_retention_days)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for arn in var.evidence_administrator_arns : can(regex("^arn:aws[a-z-]*:iam::\\d{12}:role/.+$", arn))])
    error_message = "evidence_administrator_arns must be IAM role ARNs."
  }
}

# --- Storage and notifications ----------------------------------------------------------------------------

variable "table_deletion_protection" {
  description = "Deletion protection of the isolation records table. Keep it on wherever records matter: release needs them."
  type        = bool
  default     = true
}

variable "kms_deletion_window_days" {
  description = "Waiting period before the notification topic's KMS key is deleted, in days."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_deletion_window_days >= 7 && var.kms_deletion_window_days <= 30
    error_message = "kms_deletion_window_days must be between 7 and 30."
  }
}

variable "notification_emails" {
  description = "Email addresses subscribed to the notification topic (each must confirm its subscription)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for email in var.notification_emails : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", email))])
    error_message = "notification_emails must be email addresses."
  }
}

# --- API authentication -----------------------------------------------------------------------------------

variable "jwt_issuer" {
  description = "External OIDC issuer URL of the API's tokens. Null (default): create a Cognito user pool, app client and the groups."
  type        = string
  default     = null

  validation {
    condition     = var.jwt_issuer == null || can(regex("^https://", var.jwt_issuer))
    error_message = "jwt_issuer must be an https URL (or null)."
  }
}

variable "jwt_audience" {
  description = "Accepted token audiences (client ids) when jwt_issuer is set. The function checks the first one."
  type        = list(string)
  default     = []
}

variable "jwks_uri" {
  description = "JWKS URL of the external issuer (required with jwt_issuer)."
  type        = string
  default     = null

  validation {
    condition     = var.jwks_uri == null || can(regex("^https://", var.jwks_uri))
    error_message = "jwks_uri must be an https URL (or null)."
  }
}

variable "jwt_token_use" {
  description = "Which token the console sends and the API accepts: access or id (any: external issuers without a token_use claim)."
  type        = string
  default     = "access"

  validation {
    condition     = contains(["access", "id", "any"], var.jwt_token_use)
    error_message = "jwt_token_use must be access, id or any."
  }
}

variable "groups_claim" {
  description = "Token claim that lists the caller's groups."
  type        = string
  default     = "cognito:groups"
}

variable "group_names" {
  description = "Group names that grant the requester, approver and viewer roles (created in the Cognito user pool when it is created here)."
  type = object({
    requesters = string
    approvers  = string
    viewers    = string
  })
  default = {
    requesters = "cordon-requesters"
    approvers  = "cordon-approvers"
    viewers    = "cordon-viewers"
  }
}

variable "console_authorize_url" {
  description = "OAuth authorize endpoint the console signs in with, when jwt_issuer is set (the Cognito hosted UI otherwise)."
  type        = string
  default     = null
}

variable "console_token_url" {
  description = "OAuth token endpoint the console uses, when jwt_issuer is set (the Cognito hosted UI otherwise)."
  type        = string
  default     = null
}

variable "console_callback_urls" {
  description = "Extra OAuth callback and sign-out URLs of the console (for a custom domain). The API's own URL is always allowed."
  type        = list(string)
  default     = []
}

variable "cognito_domain_prefix" {
  description = "Hosted UI domain prefix (globally unique per region). Null: <name_prefix>-<environment>-<account id>."
  type        = string
  default     = null

  validation {
    condition     = var.cognito_domain_prefix == null || can(regex("^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$", var.cognito_domain_prefix))
    error_message = "cognito_domain_prefix must be lowercase letters, digits and hyphens (at most 63)."
  }
}

variable "cognito_deletion_protection" {
  description = "Deletion protection of the Cognito user pool."
  type        = bool
  default     = true
}

variable "cognito_mfa_configuration" {
  description = "MFA of the user pool: ON, OPTIONAL or OFF. The people who can isolate production should use ON."
  type        = string
  default     = "ON"

  validation {
    condition     = contains(["ON", "OPTIONAL", "OFF"], var.cognito_mfa_configuration)
    error_message = "cognito_mfa_configuration must be ON, OPTIONAL or OFF."
  }
}

variable "api_throttling_burst_limit" {
  description = "API Gateway burst limit (requests) of the default route settings."
  type        = number
  default     = 20

  validation {
    condition     = var.api_throttling_burst_limit >= 1
    error_message = "api_throttling_burst_limit must be at least 1."
  }
}

variable "api_throttling_rate_limit" {
  description = "API Gateway steady-state rate limit (requests per second)."
  type        = number
  default     = 10

  validation {
    condition     = var.api_throttling_rate_limit >= 1
    error_message = "api_throttling_rate_limit must be at least 1."
  }
}

# --- Alarms -----------------------------------------------------------------------------------------------

variable "alarm_period_seconds" {
  description = "Period of the function-error, API and failed-isolation alarms, in seconds."
  type        = number
  default     = 300

  validation {
    condition     = contains([60, 300, 900, 3600], var.alarm_period_seconds)
    error_message = "alarm_period_seconds must be 60, 300, 900 or 3600."
  }
}

variable "function_errors_threshold" {
  description = "Function errors (and API 5xx responses) per alarm period that raise an alarm."
  type        = number
  default     = 1

  validation {
    condition     = var.function_errors_threshold >= 1
    error_message = "function_errors_threshold must be at least 1."
  }
}

variable "failed_isolations_threshold" {
  description = "FAILED isolations per alarm period that raise an alarm."
  type        = number
  default     = 1

  validation {
    condition     = var.failed_isolations_threshold >= 1
    error_message = "failed_isolations_threshold must be at least 1."
  }
}

variable "metrics_namespace" {
  description = "CloudWatch namespace of cordon's embedded metrics (METRICS_NAMESPACE in functions/lib/observability.ts)."
  type        = string
  default     = "cordon"
}

variable "failed_isolations_metric_dimensions" {
  description = "Dimensions of the IsolationsFailed metric the alarm watches: the worker's action-less copy, tagged with its Powertools service name."
  type        = map(string)
  default     = { service = "cordon-isolate" }
}

# --- Account boundary -------------------------------------------------------------------------------------

variable "member_accounts" {
  description = "Optional allow-list of the member accounts cordon may act in (CORDON_MEMBER_ACCOUNTS): triage, the API and the worker refuse any other account. Empty: any account where the member role exists. The security account is never a target either way (docs/policy.md, \"Account boundary\")."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for account in var.member_accounts : can(regex("^[0-9]{12}$", account))])
    error_message = "member_accounts must be 12-digit AWS account ids."
  }
}

variable "owner_tag_keys" {
  description = "Tag keys read, in order, for a resource's owner; the first one present becomes the `owner` attribute of cordon's SNS notifications, so application owners can subscribe with a filter policy. Empty: no owner attribute. Routing only: the security team should subscribe without a filter."
  type        = list(string)
  default     = ["Owner", "owner"]

  validation {
    condition     = alltrue([for key in var.owner_tag_keys : can(regex("^[\\w .:/=+@-]{1,128}$", key))])
    error_message = "owner_tag_keys must be tag keys of 1 to 128 letters, digits, spaces and _ . : / = + - @ (no commas)."
  }
}

variable "team_tag_keys" {
  description = "Tag keys read, in order, for a resource's team; the first one present becomes the `team` attribute of cordon's SNS notifications. Empty: no team attribute."
  type        = list(string)
  default     = ["Team", "team"]

  validation {
    condition     = alltrue([for key in var.team_tag_keys : can(regex("^[\\w .:/=+@-]{1,128}$", key))])
    error_message = "team_tag_keys must be tag keys of 1 to 128 letters, digits, spaces and _ . : / = + - @ (no commas)."
  }
}

variable "machine_clients" {
  description = "Machine clients (SOAR, ticketing) of the API, by name: OAuth 2.0 client-credentials clients of the Cognito user pool created here, with their scopes (read: viewer; request: requester). There is no approve scope: approval needs a person. Only with the user pool created here (jwt_issuer null)."
  type = map(object({
    scopes                 = list(string)
    token_validity_minutes = optional(number, 60)
  }))
  default = {}

  validation {
    condition     = alltrue([for name, c in var.machine_clients : can(regex("^[a-z0-9][a-z0-9-]{0,31}$", name))])
    error_message = "machine_clients names must be 1-32 lowercase letters, digits and hyphens."
  }

  validation {
    condition     = alltrue([for c in var.machine_clients : length(c.scopes) > 0 && alltrue([for s in c.scopes : contains(["read", "request"], s)])])
    error_message = "machine_clients scopes must be read and/or request: approve, reject, release and retry need a person (four eyes)."
  }

  validation {
    condition     = alltrue([for c in var.machine_clients : c.token_validity_minutes >= 5 && c.token_validity_minutes <= 1440])
    error_message = "machine_clients token_validity_minutes must be between 5 and 1440."
  }
}
