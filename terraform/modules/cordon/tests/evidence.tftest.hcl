# The evidence bucket inside the cordon module: its name reaches the functions, the worker (and only the
# worker) may write to it with the evidence key through S3, and its retention is the module's setting. The
# bucket's own policies are asserted by modules/evidence-bucket/tests. Mocked AWS provider, plan only, after
# `npm run build` (the plan hashes the zips).

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

# The key's ARN is only known after apply; the worker's policy names it.
override_resource {
  target          = module.evidence_bucket.aws_kms_key.this
  override_during = plan
  values = {
    arn = "arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555"
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

run "the_worker_writes_evidence_with_its_key_only" {
  command = plan

  assert {
    condition = (
      local.pipeline_environment.CORDON_EVIDENCE_BUCKET == "cordon-ci-evidence-111111111111" &&
      local.pipeline_environment.CORDON_EVIDENCE_KEY_ARN == "arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555"
    )
    error_message = "The functions must get the evidence bucket's name and key (CORDON_EVIDENCE_BUCKET, CORDON_EVIDENCE_KEY_ARN)."
  }

  # The writes are statements of the worker's generated policy (function-permissions.json), scoped by kind.
  assert {
    condition = (
      [for s in local.function_permissions["isolate"] : s.actions if s.resource == "evidence-bucket"] == [["s3:PutObject"]] &&
      [for s in local.function_permissions["isolate"] : s.actions if s.resource == "evidence-key"] == [["kms:GenerateDataKey"]] &&
      local.permission_resources["evidence-bucket"] == ["arn:aws:s3:::cordon-ci-evidence-111111111111/*"] &&
      local.permission_resources["evidence-key"] == ["arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555"]
    )
    error_message = "The worker must write evidence with PutObject on the bucket's objects and GenerateDataKey on the evidence key, nothing more."
  }

  assert {
    condition = local.permission_conditions["evidence-key"] == [
      { test = "StringEquals", variable = "kms:ViaService", values = ["s3.eu-west-1.amazonaws.com"] },
      { test = "StringLike", variable = "kms:EncryptionContext:aws:s3:arn", values = ["arn:aws:s3:::cordon-ci-evidence-111111111111/*"] },
    ]
    error_message = "The worker may use the evidence key only through S3, for the evidence bucket's objects."
  }

  assert {
    condition = alltrue([
      for name, statements in local.function_permissions :
      name == "isolate" || alltrue([for s in statements : !contains(["evidence-bucket", "evidence-key"], s.resource)])
    ])
    error_message = "Only the worker writes evidence."
  }

  # The API's evidence check: manifests' content and S3's checksums of each version; it decrypts manifests only.
  assert {
    condition = (
      [for s in local.function_permissions["api"] : s.actions if s.resource == "evidence-manifests"] == [["s3:GetObject"]] &&
      [for s in local.function_permissions["api"] : s.actions if s.resource == "evidence-versions"] == [["s3:GetObjectVersion", "s3:GetObjectVersionAttributes"]] &&
      [for s in local.function_permissions["api"] : s.actions if s.resource == "evidence-manifest-key"] == [["kms:Decrypt"]] &&
      local.permission_resources["evidence-manifests"] == ["arn:aws:s3:::cordon-ci-evidence-111111111111/*/manifest.json"] &&
      local.permission_conditions["evidence-manifest-key"] == [
        { test = "StringEquals", variable = "kms:ViaService", values = ["s3.eu-west-1.amazonaws.com"] },
        { test = "StringLike", variable = "kms:EncryptionContext:aws:s3:arn", values = ["arn:aws:s3:::cordon-ci-evidence-111111111111/*/manifest.json"] },
      ]
    )
    error_message = "The API may read manifests, versions' checksums and decrypt manifests through S3, nothing more."
  }

  assert {
    condition     = module.evidence_bucket.retention_days == 365
    error_message = "Evidence is retained for a year by default."
  }
}

run "passes_the_retention_and_the_forensics_role_to_the_bucket" {
  command = plan

  variables {
    evidence_retention_days  = 30
    evidence_reader_role_arn = "arn:aws:iam::222222222222:role/forensics"
  }

  assert {
    condition     = module.evidence_bucket.retention_days == 30
    error_message = "evidence_retention_days must reach the bucket's Object Lock."
  }
}

run "rejects_a_reader_that_is_not_a_role" {
  command = plan

  variables {
    evidence_reader_role_arn = "arn:aws:iam::222222222222:user/alice"
  }

  expect_failures = [var.evidence_reader_role_arn]
}
