# The evidence bucket (modules/evidence-bucket): artifacts collected during containment, locked in COMPLIANCE
# mode, encrypted with their own key, readable only by the forensics role.
#
# The worker's permissions on it are statements of its generated policy (iam.tf): the code declares
# s3:PutObject on `evidence-bucket` and kms:GenerateDataKey on `evidence-key` (FUNCTION_PERMISSION_STATEMENTS),
# and permission_resources / permission_conditions in iam.tf scope them to the bucket's objects and to KMS via S3.
# The API's evidence check reads manifests and S3's checksums of every version, and decrypts manifests only
# (`evidence-manifests`, `evidence-versions`, `evidence-manifest-key`); the bucket and key policies agree.

module "evidence_bucket" {
  source = "../evidence-bucket"

  bucket_name              = "${local.name}-evidence-${local.account_id}"
  retention_days           = var.evidence_retention_days
  writer_role_arn          = aws_iam_role.function["isolate"].arn
  reader_role_arn          = var.evidence_reader_role_arn
  manifest_reader_role_arn = aws_iam_role.function["api"].arn
  administrator_arns       = var.evidence_administrator_arns
  kms_deletion_window_days = var.kms_deletion_window_days
  tags                     = var.tags
}

locals {
  # Same ARN as the module's bucket_arn output, built from the name so that it is known at plan time.
  evidence_bucket_arn = "arn:${local.partition}:s3:::${local.name}-evidence-${local.account_id}"

  # S3 calls KMS for the worker with the object's ARN as encryption context (the bucket has no Bucket Key).
  evidence_key_conditions = [
    { test = "StringEquals", variable = "kms:ViaService", values = ["s3.${local.region}.amazonaws.com"] },
    { test = "StringLike", variable = "kms:EncryptionContext:aws:s3:arn", values = ["${local.evidence_bucket_arn}/*"] },
  ]

  # The API decrypts manifests only (its evidence check reads S3's checksums of the artifacts, not their content).
  evidence_manifest_key_conditions = [
    { test = "StringEquals", variable = "kms:ViaService", values = ["s3.${local.region}.amazonaws.com"] },
    { test = "StringLike", variable = "kms:EncryptionContext:aws:s3:arn", values = ["${local.evidence_bucket_arn}/*/manifest.json"] },
  ]
}
