# cordon, test environment: the security account's stack, then the member role in every account of the
# member OUs (the StackSet depends on the worker role, so one apply creates them in the right order).

provider "aws" {
  region              = var.region
  allowed_account_ids = [var.security_account_id]

  default_tags {
    tags = {
      Application = "cordon"
      Environment = "test"
      ManagedBy   = "terraform"
    }
  }
}

module "cordon" {
  source = "../../modules/cordon"

  environment = "test"
  dist_dir    = "${path.root}/../../../dist/lambda"
  rules_dir   = "${path.root}/../../../rules"

  member_role_name    = "cordon-member-test"
  member_external_id  = var.member_external_id
  organization_id     = var.organization_id
  notification_emails = var.notification_emails
  member_accounts     = var.member_accounts

  # Evidence written in test is locked for a week only: COMPLIANCE mode lets nobody delete it before then.
  evidence_retention_days     = 7
  evidence_reader_role_arn    = var.evidence_reader_role_arn
  evidence_administrator_arns = var.evidence_administrator_arns

  # test mirrors prod closely enough to rehearse a release, but can still be torn down.
  table_deletion_protection   = false
  cognito_deletion_protection = false
  cognito_mfa_configuration   = "ON"
  log_retention_days          = 30
  function_errors_threshold   = 3
  alarm_period_seconds        = 300
}

module "member_roles" {
  source = "../../modules/member-role-stackset"

  name                    = "cordon-member-role-test"
  role_name               = module.cordon.member_role_name
  worker_role_arn         = module.cordon.worker_role_arn
  organization_id         = var.organization_id
  external_id             = var.member_external_id
  organizational_unit_ids = var.member_organizational_unit_ids
  deployment_region       = var.region
  call_as                 = var.stackset_call_as
}
