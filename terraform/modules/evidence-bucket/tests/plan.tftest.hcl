# Plans the module against a mocked AWS provider (no credentials, no network) and asserts what the chain of
# custody relies on: Object Lock in COMPLIANCE mode with the retention asked for, versioning, SSE-KMS with the
# module's own key, and a bucket and key policy that deny deletes, reads and writes to everyone else.

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
}

# The key's ARN is only known after apply; the bucket policy names it.
override_resource {
  target          = aws_kms_key.this
  override_during = plan
  values = {
    arn    = "arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555"
    key_id = "11111111-2222-3333-4444-555555555555"
  }
}

variables {
  bucket_name     = "cordon-ci-evidence-111111111111"
  retention_days  = 400
  writer_role_arn = "arn:aws:iam::111111111111:role/cordon-ci-isolate"
  reader_role_arn = "arn:aws:iam::222222222222:role/forensics"
}

run "locks_versions_and_encrypts_every_artifact" {
  command = plan

  assert {
    condition     = aws_s3_bucket.this.object_lock_enabled == true && aws_s3_bucket.this.force_destroy == false
    error_message = "The bucket must be created with Object Lock, and never force-destroyed."
  }

  assert {
    condition     = aws_s3_bucket_object_lock_configuration.this.rule[0].default_retention[0].mode == "COMPLIANCE" && aws_s3_bucket_object_lock_configuration.this.rule[0].default_retention[0].days == 400
    error_message = "Every new version must be locked in COMPLIANCE mode for retention_days."
  }

  assert {
    condition     = aws_s3_bucket_versioning.this.versioning_configuration[0].status == "Enabled"
    error_message = "Versioning must be on."
  }

  assert {
    condition = one([
      for rule in aws_s3_bucket_server_side_encryption_configuration.this.rule :
      rule.apply_server_side_encryption_by_default[0].sse_algorithm == "aws:kms" && rule.apply_server_side_encryption_by_default[0].kms_master_key_id == "arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555"
    ]) == true
    error_message = "Default encryption must be SSE-KMS with the module's key."
  }

  assert {
    condition = alltrue([
      aws_s3_bucket_public_access_block.this.block_public_acls,
      aws_s3_bucket_public_access_block.this.block_public_policy,
      aws_s3_bucket_public_access_block.this.ignore_public_acls,
      aws_s3_bucket_public_access_block.this.restrict_public_buckets,
    ]) && aws_s3_bucket_ownership_controls.this.rule[0].object_ownership == "BucketOwnerEnforced"
    error_message = "Block Public Access must be fully on and ACLs disabled."
  }

  assert {
    condition     = aws_kms_key.this.enable_key_rotation == true
    error_message = "The evidence key must rotate."
  }
}

run "denies_deletes_reads_and_foreign_writes" {
  command = plan

  assert {
    condition = {
      for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s.Sid => s.Effect
      } == {
      DenyDeletes                                  = "Deny"
      DenyReadsExceptForensics                     = "Deny"
      DenyWritesExceptWorker                       = "Deny"
      DenyWritesWithoutTheEvidenceKey              = "Deny"
      DenyConfigurationChangesExceptAdministrators = "Deny"
      DenyInsecureTransport                        = "Deny"
      AllowForensicsReads                          = "Allow"
    }
    error_message = "The bucket policy must have exactly its six denies and the forensics allow."
  }

  assert {
    condition = (
      { for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s.Sid => s }["DenyDeletes"].Principal == "*" &&
      !can({ for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s.Sid => s }["DenyDeletes"].Condition) &&
      length(setsubtract(["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:BypassGovernanceRetention", "s3:PutObjectRetention", "s3:DeleteBucket"], { for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s.Sid => s }["DenyDeletes"].Action)) == 0
    )
    error_message = "Deletes, retention changes and governance bypass must be denied to everyone, without exception."
  }

  assert {
    condition = (
      { for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s.Sid => s }["DenyReadsExceptForensics"].Principal == "*" &&
      length(setsubtract(["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectAttributes"], { for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s.Sid => s }["DenyReadsExceptForensics"].Action)) == 0 &&
      { for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s.Sid => s }["DenyReadsExceptForensics"].Condition == { ArnNotEquals = { "aws:PrincipalArn" = ["arn:aws:iam::222222222222:role/forensics"] } }
    )
    error_message = "Reads must be denied to everyone but the forensics role."
  }

  assert {
    condition = (
      { for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s.Sid => s }["DenyWritesExceptWorker"].Action == "s3:PutObject" &&
      { for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s.Sid => s }["DenyWritesExceptWorker"].Condition == { ArnNotEquals = { "aws:PrincipalArn" = "arn:aws:iam::111111111111:role/cordon-ci-isolate" } }
    )
    error_message = "Writes must be denied to everyone but the worker."
  }

  assert {
    condition = (
      { for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s.Sid => s }["DenyWritesWithoutTheEvidenceKey"].Action == "s3:PutObject" &&
      { for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s.Sid => s }["DenyWritesWithoutTheEvidenceKey"].Condition == {
        StringNotEquals = { "s3:x-amz-server-side-encryption-aws-kms-key-id" = "arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555" }
      }
    )
    error_message = "A write that does not name the evidence key (or names none) must be denied."
  }

  assert {
    condition = (
      contains({ for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s.Sid => s }["DenyConfigurationChangesExceptAdministrators"].Action, "s3:PutBucketObjectLockConfiguration") &&
      contains({ for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s.Sid => s }["DenyConfigurationChangesExceptAdministrators"].Action, "s3:PutEncryptionConfiguration") &&
      !can({ for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s.Sid => s }["DenyConfigurationChangesExceptAdministrators"].Condition)
    )
    error_message = "Without administrators, nobody may change the Object Lock or encryption configuration."
  }

  assert {
    condition     = { for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s.Sid => s }["DenyInsecureTransport"].Condition == { Bool = { "aws:SecureTransport" = "false" } }
    error_message = "Requests without TLS must be denied."
  }
}

run "lets_only_the_worker_encrypt_and_the_forensics_role_decrypt" {
  command = plan

  assert {
    condition = {
      for s in jsondecode(aws_kms_key.this.policy).Statement : s.Sid => [s.Principal.AWS, s.Action]
      } == {
      KeyAdministrationWithoutUse = ["arn:aws:iam::111111111111:root", jsondecode(aws_kms_key.this.policy).Statement[0].Action]
      WorkerEncryptsThroughS3     = ["arn:aws:iam::111111111111:role/cordon-ci-isolate", "kms:GenerateDataKey"]
      ForensicsDecryptsThroughS3  = ["arn:aws:iam::222222222222:role/forensics", "kms:Decrypt"]
    }
    error_message = "The key policy must have the administration, worker and forensics statements only."
  }

  assert {
    condition = length(setintersection(jsondecode(aws_kms_key.this.policy).Statement[0].Action, [
      "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:CreateGrant", "kms:ScheduleKeyDeletion", "kms:DisableKey",
    ])) == 0 && !anytrue([for a in jsondecode(aws_kms_key.this.policy).Statement[0].Action : strcontains(a, "*")])
    error_message = "Key administration must not include any use of the key, grants, disabling or deletion, nor wildcards."
  }

  assert {
    condition = alltrue([
      for s in slice(jsondecode(aws_kms_key.this.policy).Statement, 1, 3) :
      s.Condition.StringEquals["kms:ViaService"] == "s3.eu-west-1.amazonaws.com" &&
      s.Condition.StringLike["kms:EncryptionContext:aws:s3:arn"] == "arn:aws:s3:::cordon-ci-evidence-111111111111/*"
    ])
    error_message = "The worker and the forensics role may use the key only through S3, for this bucket's objects."
  }
}

run "lets_the_manifest_reader_check_the_evidence_without_reading_artifacts" {
  command = plan

  variables {
    manifest_reader_role_arn = "arn:aws:iam::111111111111:role/cordon-ci-api"
  }

  assert {
    condition = { for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s.Sid => s }["DenyReadsExceptForensics"].Condition == {
      ArnNotEquals = { "aws:PrincipalArn" = ["arn:aws:iam::222222222222:role/forensics", "arn:aws:iam::111111111111:role/cordon-ci-api"] }
    }
    error_message = "Reads must be denied to everyone but the forensics role and the manifest reader."
  }

  assert {
    condition = (
      { for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s.Sid => s }["DenyManifestReaderAnythingButManifests"].Effect == "Deny" &&
      { for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s.Sid => s }["DenyManifestReaderAnythingButManifests"].NotResource == ["arn:aws:s3:::cordon-ci-evidence-111111111111/*/manifest.json"] &&
      { for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s.Sid => s }["DenyManifestReaderAnythingButManifests"].Condition == { ArnEquals = { "aws:PrincipalArn" = "arn:aws:iam::111111111111:role/cordon-ci-api" } } &&
      contains({ for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s.Sid => s }["DenyManifestReaderAnythingButManifests"].Action, "s3:GetObject") &&
      !contains({ for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s.Sid => s }["DenyManifestReaderAnythingButManifests"].Action, "s3:GetObjectVersionAttributes")
    )
    error_message = "The manifest reader may read only manifests' content, and every version's attributes."
  }

  assert {
    condition = (
      { for s in jsondecode(aws_kms_key.this.policy).Statement : s.Sid => s }["ManifestReaderDecryptsManifestsThroughS3"].Action == "kms:Decrypt" &&
      { for s in jsondecode(aws_kms_key.this.policy).Statement : s.Sid => s }["ManifestReaderDecryptsManifestsThroughS3"].Condition == {
        StringEquals = { "kms:ViaService" = "s3.eu-west-1.amazonaws.com" }
        StringLike   = { "kms:EncryptionContext:aws:s3:arn" = "arn:aws:s3:::cordon-ci-evidence-111111111111/*/manifest.json" }
      }
    )
    error_message = "The manifest reader may decrypt manifests only, only through S3."
  }
}

run "denies_reads_to_everyone_without_a_forensics_role" {
  command = plan

  variables {
    reader_role_arn    = null
    administrator_arns = ["arn:aws:iam::111111111111:role/evidence-admin"]
  }

  assert {
    condition = (
      !can({ for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s.Sid => s }["DenyReadsExceptForensics"].Condition) &&
      !contains(keys({ for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s.Sid => s }), "AllowForensicsReads")
    )
    error_message = "Without a forensics role, reads are denied to everyone and nobody is granted them."
  }

  assert {
    condition     = length(jsondecode(aws_kms_key.this.policy).Statement) == 2
    error_message = "Without a forensics role, nobody may decrypt."
  }

  assert {
    condition     = { for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s.Sid => s }["DenyConfigurationChangesExceptAdministrators"].Condition.ArnNotEquals["aws:PrincipalArn"] == ["arn:aws:iam::111111111111:role/evidence-admin"]
    error_message = "The administrators must be the only exception to the configuration deny."
  }
}

run "rejects_a_fractional_or_zero_retention" {
  command = plan

  variables {
    retention_days = 0.5
  }

  expect_failures = [var.retention_days]
}
