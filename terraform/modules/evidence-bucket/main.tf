# The evidence bucket: where cordon keeps what it collected about a contained resource, so that nobody can
# change or delete it afterwards, and only the forensics role can read it.
#
#   - S3 Object Lock in COMPLIANCE mode (default retention on every new version), versioning, ACLs disabled,
#     Block Public Access;
#   - SSE-KMS with a dedicated key: every write must name that key, only the writer (the worker) may encrypt
#     with it and only the reader (the forensics role) may decrypt with it, both only through S3 for this bucket;
#   - a bucket policy that denies deletes to everyone, reads to everyone but the reader, writes to everyone but
#     the writer, configuration changes to everyone but the administrators, and any request without TLS.
#
# Policies are JSON built here (not aws_iam_policy_document) so that the plan tests can decode and assert them.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name
  bucket_arn = "arn:${local.partition}:s3:::${var.bucket_name}"
  objects    = "${local.bucket_arn}/*"

  # S3 calls KMS for the caller, with the object's ARN as encryption context (S3 Bucket Keys stay off so that
  # CloudTrail logs one KMS event per artifact written or read).
  through_s3_for_this_bucket = {
    StringEquals = { "kms:ViaService" = "s3.${local.region}.amazonaws.com" }
    StringLike   = { "kms:EncryptionContext:aws:s3:arn" = local.objects }
  }

  # Content reads (metadata such as retention stays readable by whoever IAM allows).
  read_actions = [
    "s3:GetObject",
    "s3:GetObjectVersion",
    "s3:GetObjectAttributes",
    "s3:GetObjectVersionAttributes",
    "s3:GetObjectTorrent",
    "s3:GetObjectVersionTorrent",
    "s3:GetObjectVersionForReplication",
  ]

  delete_actions = [
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:BypassGovernanceRetention",
    "s3:PutObjectRetention",
    "s3:PutObjectLegalHold",
    "s3:DeleteBucket",
  ]

  configuration_actions = [
    "s3:PutBucketObjectLockConfiguration",
    "s3:PutEncryptionConfiguration",
    "s3:PutBucketVersioning",
    "s3:PutLifecycleConfiguration",
    "s3:PutReplicationConfiguration",
  ]

  # Who gets past the read deny: the forensics role, and the manifest reader, which the next statement and the
  # key policy then hold to manifests (content) and attributes (S3's checksums) only.
  readers  = compact([var.reader_role_arn, var.manifest_reader_role_arn])
  manifest = "${local.bucket_arn}/*/manifest.json"

  # `Condition` only when someone is exempt: without one the statement denies everyone.
  except = {
    reader         = length(local.readers) == 0 ? {} : { Condition = { ArnNotEquals = { "aws:PrincipalArn" = local.readers } } }
    writer         = { Condition = { ArnNotEquals = { "aws:PrincipalArn" = var.writer_role_arn } } }
    administrators = length(var.administrator_arns) == 0 ? {} : { Condition = { ArnNotEquals = { "aws:PrincipalArn" = var.administrator_arns } } }
  }

  bucket_policy = {
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          Sid       = "DenyDeletes"
          Effect    = "Deny"
          Principal = "*"
          Action    = local.delete_actions
          Resource  = [local.bucket_arn, local.objects]
        },
        merge({
          Sid       = "DenyReadsExceptForensics"
          Effect    = "Deny"
          Principal = "*"
          Action    = local.read_actions
          Resource  = local.objects
        }, local.except.reader),
      ],
      # The manifest reader gets S3's attributes of every version (GetObjectAttributes needs GetObjectVersion and
      # GetObjectVersionAttributes) but the content of nothing but manifests; KMS decrypts nothing else for it.
      var.manifest_reader_role_arn == null ? [] : [{
        Sid         = "DenyManifestReaderAnythingButManifests"
        Effect      = "Deny"
        Principal   = "*"
        Action      = [for action in local.read_actions : action if !contains(["s3:GetObjectVersion", "s3:GetObjectVersionAttributes"], action)]
        NotResource = [local.manifest]
        Condition   = { ArnEquals = { "aws:PrincipalArn" = var.manifest_reader_role_arn } }
      }],
      [
        merge({
          Sid       = "DenyWritesExceptWorker"
          Effect    = "Deny"
          Principal = "*"
          Action    = "s3:PutObject"
          Resource  = local.objects
        }, local.except.writer),
        {
          # Absent header included (StringNotEquals matches a missing key): every write names this key.
          Sid       = "DenyWritesWithoutTheEvidenceKey"
          Effect    = "Deny"
          Principal = "*"
          Action    = "s3:PutObject"
          Resource  = local.objects
          Condition = { StringNotEquals = { "s3:x-amz-server-side-encryption-aws-kms-key-id" = aws_kms_key.this.arn } }
        },
        merge({
          Sid       = "DenyConfigurationChangesExceptAdministrators"
          Effect    = "Deny"
          Principal = "*"
          Action    = local.configuration_actions
          Resource  = local.bucket_arn
        }, local.except.administrators),
        {
          Sid       = "DenyInsecureTransport"
          Effect    = "Deny"
          Principal = "*"
          Action    = "s3:*"
          Resource  = [local.bucket_arn, local.objects]
          Condition = { Bool = { "aws:SecureTransport" = "false" } }
        },
      ],
      # The reader may belong to another account (a forensics account): the bucket grants it, not only its IAM.
      var.reader_role_arn == null ? [] : [{
        Sid       = "AllowForensicsReads"
        Effect    = "Allow"
        Principal = { AWS = var.reader_role_arn }
        Action    = ["s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:ListBucketVersions"]
        Resource  = [local.bucket_arn, local.objects]
      }],
    )
  }

  key_policy = {
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          # Administration through IAM in this account, without cryptographic use: no IAM policy can let anyone
          # but the writer and the reader below encrypt or decrypt. Nor can anyone disable or delete the key
          # (that would destroy the evidence) without first changing this policy, which CloudTrail records.
          Sid       = "KeyAdministrationWithoutUse"
          Effect    = "Allow"
          Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
          Action = [
            "kms:CancelKeyDeletion",
            "kms:CreateAlias",
            "kms:DeleteAlias",
            "kms:DescribeKey",
            "kms:EnableKey",
            "kms:EnableKeyRotation",
            "kms:GetKeyPolicy",
            "kms:GetKeyRotationStatus",
            "kms:ListAliases",
            "kms:ListGrants",
            "kms:ListKeyPolicies",
            "kms:ListResourceTags",
            "kms:PutKeyPolicy",
            "kms:RevokeGrant",
            "kms:TagResource",
            "kms:UntagResource",
            "kms:UpdateAlias",
            "kms:UpdateKeyDescription",
          ]
          Resource = "*"
        },
        {
          Sid       = "WorkerEncryptsThroughS3"
          Effect    = "Allow"
          Principal = { AWS = var.writer_role_arn }
          Action    = "kms:GenerateDataKey"
          Resource  = "*"
          Condition = local.through_s3_for_this_bucket
        },
      ],
      var.reader_role_arn == null ? [] : [{
        Sid       = "ForensicsDecryptsThroughS3"
        Effect    = "Allow"
        Principal = { AWS = var.reader_role_arn }
        Action    = "kms:Decrypt"
        Resource  = "*"
        Condition = local.through_s3_for_this_bucket
      }],
      var.manifest_reader_role_arn == null ? [] : [{
        Sid       = "ManifestReaderDecryptsManifestsThroughS3"
        Effect    = "Allow"
        Principal = { AWS = var.manifest_reader_role_arn }
        Action    = "kms:Decrypt"
        Resource  = "*"
        Condition = {
          StringEquals = { "kms:ViaService" = "s3.${local.region}.amazonaws.com" }
          StringLike   = { "kms:EncryptionContext:aws:s3:arn" = local.manifest }
        }
      }],
    )
  }
}

resource "aws_kms_key" "this" {
  description             = "Encrypts the evidence in s3://${var.bucket_name}."
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_deletion_window_days
  policy                  = jsonencode(local.key_policy)
  tags                    = var.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.bucket_name}"
  target_key_id = aws_kms_key.this.key_id
}

resource "aws_s3_bucket" "this" {
  bucket = var.bucket_name
  # On from creation, so that no version is ever written unlocked.
  object_lock_enabled = true
  force_destroy       = false
  tags                = var.tags
}

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = aws_s3_bucket.this.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_object_lock_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    default_retention {
      mode = "COMPLIANCE"
      days = var.retention_days
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.this.arn
    }
    bucket_key_enabled = false
  }
}

# Last: once it is in place, only the administrators can change the configuration above.
resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = jsonencode(local.bucket_policy)

  depends_on = [
    aws_s3_bucket_public_access_block.this,
    aws_s3_bucket_ownership_controls.this,
    aws_s3_bucket_object_lock_configuration.this,
    aws_s3_bucket_server_side_encryption_configuration.this,
  ]
}
