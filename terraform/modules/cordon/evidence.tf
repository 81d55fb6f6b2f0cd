# The evidence bucket (modules/evidence-bucket): artifacts collected during containment, locked in COMPLIANCE
# mode, encrypted with their own key, readable only by the forensics role.
#
# The worker's permissions on it are a separate inline policy, `evidence`, not statements of `least-privilege`:
# that policy is exactly what the code declares (function-permissions.json), and the code does not declare
# the evidence writes yet. Once FUNCTION_PERMISSIONS declares them for the isolate function (resource kinds
# `evidence-bucket` and `evidence-key`, which permission_resources already maps), delete this policy;
# test/terraform fails until then and says so.

module "evidence_bucket" {
  source = "../evidence-bucket"

  bucket_name              = "${local.name}-evidence-${local.account_id}"
  retention_days           = var.evidence_retention_days
  writer_role_arn          = aws_iam_role.function["isolate"].arn
  reader_role_arn          = var.evidence_reader_role_arn
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

  # The worker writes artifacts (single-request PutObject naming the key) and never reads them back: S3
  # verifies the checksum it sends, and the forensics role does the reading.
  evidence_worker_policy = {
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "EvidenceWrite"
        Effect   = "Allow"
        Action   = "s3:PutObject"
        Resource = "${local.evidence_bucket_arn}/*"
      },
      {
        Sid      = "EvidenceKeyThroughS3"
        Effect   = "Allow"
        Action   = "kms:GenerateDataKey"
        Resource = module.evidence_bucket.key_arn
        Condition = {
          for condition in local.evidence_key_conditions : condition.test => { (condition.variable) = condition.values }
        }
      },
    ]
  }
}

resource "aws_iam_role_policy" "evidence" {
  name   = "evidence-writes"
  role   = aws_iam_role.function["isolate"].id
  policy = jsonencode(local.evidence_worker_policy)
}
