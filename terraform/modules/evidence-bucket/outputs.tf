output "bucket_name" {
  description = "Name of the evidence bucket."
  value       = aws_s3_bucket.this.bucket
}

output "bucket_arn" {
  description = "ARN of the evidence bucket."
  value       = local.bucket_arn
}

output "key_arn" {
  description = "ARN of the KMS key every artifact must be written with (the x-amz-server-side-encryption-aws-kms-key-id of each PutObject)."
  value       = aws_kms_key.this.arn
}

output "retention_days" {
  description = "Object Lock COMPLIANCE retention of every artifact version, in days."
  value       = var.retention_days
}
