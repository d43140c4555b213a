# Two secrets per node, readable only by this node's role: the rendered config and the
# MongoDB URI (given to the container as WPOKT_MONGODB__URI, never written to the config).

resource "aws_secretsmanager_secret" "config" {
  #checkov:skip=CKV2_AWS_57:The config is not a credential; it changes through terraform apply (docs/runbooks), not a rotation Lambda.
  name                    = "wpokt/${var.node_id}/config"
  description             = "wPOKT ${var.node_id}: node config (config.yaml)"
  kms_key_id              = aws_kms_key.data.arn
  recovery_window_in_days = 30
  tags                    = local.tags
}

resource "aws_secretsmanager_secret_version" "config" {
  secret_id     = aws_secretsmanager_secret.config.id
  secret_string = yamlencode(local.node_config)
}

resource "aws_secretsmanager_secret" "mongodb_uri" {
  #checkov:skip=CKV2_AWS_57:MongoDB users are managed outside AWS (Atlas or self-hosted); docs/runbooks/deploy-node.md rotates the password and updates this secret.
  count = var.mongodb_uri_secret_arn == null ? 1 : 0

  name                    = "wpokt/${var.node_id}/mongodb-uri"
  description             = "wPOKT ${var.node_id}: MongoDB connection string"
  kms_key_id              = aws_kms_key.data.arn
  recovery_window_in_days = 30
  tags                    = local.tags
}

resource "aws_secretsmanager_secret_version" "mongodb_uri" {
  count = var.mongodb_uri_secret_arn == null ? 1 : 0

  secret_id     = aws_secretsmanager_secret.mongodb_uri[0].id
  secret_string = var.mongodb_uri
}
