# cordon, dev environment: the security account's stack, then the member role in every account of the
# member OUs (the StackSet depends on the worker role, so one apply creates them in the right order).

provider "aws" {
  region              = var.region
  allowed_account_ids = [var.security_account_id]

  default_tags {
    tags = {
      Application = "cordon"
      Environment = "dev"
      ManagedBy   = "terraform"
    }
  }
}

module "cordon" {
  source = "../../modules/cordon"

  environment = "dev"
  dist_dir    = "${path.root}/../../../dist/lambda"
  rules_dir   = "${path.root}/../../../rules"

  member_role_name    = "cordon-member-dev"
  member_external_id  = var.member_external_id
  organization_id     = var.organization_id
  notification_emails = var.notification_emails
  member_accounts     = var.member_accounts

  # Evidence written in dev is locked for a day only: COMPLIANCE mode lets nobody delete it before then.
  evidence_retention_days     = 1
  evidence_reader_role_arn    = var.evidence_reader_role_arn
  evidence_administrator_arns = var.evidence_administrator_arns

  # dev is disposable: records and users may be destroyed, logs are short-lived, and alarms only fire on
  # repeated errors while people experiment.
  table_deletion_protection   = false
  cognito_deletion_protection = false
  cognito_mfa_configuration   = "OPTIONAL"
  log_retention_days          = 14
  kms_deletion_window_days    = 7
  function_errors_threshold   = 5
  alarm_period_seconds        = 300
  log_level                   = "DEBUG"

  # New and sandbox accounts often have a concurrency quota too small to reserve from.
  function_settings = {
    isolate = { reserved_concurrency = -1 }
    expire  = { reserved_concurrency = -1 }
  }
}

module "member_roles" {
  source = "../../modules/member-role-stackset"

  name                    = "cordon-member-role-dev"
  role_name               = module.cordon.member_role_name
  worker_role_arn         = module.cordon.worker_role_arn
  organization_id         = var.organization_id
  external_id             = var.member_external_id
  organizational_unit_ids = var.member_organizational_unit_ids
  deployment_region       = var.region
  call_as                 = var.stackset_call_as
}
