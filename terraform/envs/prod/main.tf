# cordon, prod environment: the security account's stack, then the member role in every account of the
# member OUs (the StackSet depends on the worker role, so one apply creates them in the right order).

provider "aws" {
  region              = var.region
  allowed_account_ids = [var.security_account_id]

  default_tags {
    tags = {
      Application = "cordon"
      Environment = "prod"
      ManagedBy   = "terraform"
    }
  }
}

module "cordon" {
  source = "../../modules/cordon"

  environment = "prod"
  dist_dir    = "${path.root}/../../../dist/lambda"
  rules_dir   = "${path.root}/../../../rules"

  member_role_name    = "cordon-member-prod"
  member_external_id  = var.member_external_id
  organization_id     = var.organization_id
  notification_emails = var.notification_emails
  member_accounts     = var.member_accounts

  # A year of evidence that nobody can delete or change; the forensics role alone can read it.
  evidence_retention_days     = 365
  evidence_reader_role_arn    = var.evidence_reader_role_arn
  evidence_administrator_arns = var.evidence_administrator_arns

  # prod on purpose: records and users cannot be deleted by accident, logs are kept for a year of incident
  # reviews, MFA is mandatory for the people who can isolate production, and alarms fire on the first
  # error or failed isolation within a minute.
  table_deletion_protection   = true
  cognito_deletion_protection = true
  cognito_mfa_configuration   = "ON"
  log_retention_days          = 365
  kms_deletion_window_days    = 30
  function_errors_threshold   = 1
  failed_isolations_threshold = 1
  alarm_period_seconds        = 60
  api_throttling_burst_limit  = 10
  api_throttling_rate_limit   = 5

  function_settings = {
    isolate = { reserved_concurrency = 20 }
  }
}

module "member_roles" {
  source = "../../modules/member-role-stackset"

  name                    = "cordon-member-role-prod"
  role_name               = module.cordon.member_role_name
  worker_role_arn         = module.cordon.worker_role_arn
  organization_id         = var.organization_id
  external_id             = var.member_external_id
  organizational_unit_ids = var.member_organizational_unit_ids
  deployment_region       = var.region
  call_as                 = var.stackset_call_as

  # Roll changes out to a quarter of the accounts at a time, stopping at the first failure.
  max_concurrent_percentage = 25
}
