resource "aws_cloudwatch_log_group" "node" {
  name              = "/wpokt/${var.node_id}/node"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.data.arn
  tags              = local.tags
}

resource "aws_cloudwatch_log_group" "flow" {
  name              = "/wpokt/${var.node_id}/vpc-flow"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.data.arn
  tags              = local.tags
}
