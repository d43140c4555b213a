# The operators' shared monitoring, in its own account (which holds no node key): an Amazon
# Managed Service for Prometheus workspace evaluating the shipped alert rules
# (deploy/monitoring/alerts.yml, the same file `promtool test rules` checks) and routing alerts
# to an encrypted SNS topic. The nodes push to a Pushgateway over HTTPS; a Prometheus agent
# next to it scrapes it (honor_labels) and remote-writes to this workspace (SigV4). Both run
# where the operators choose (terraform/README.md, docs/operations.md).

provider "aws" {
  region              = var.region
  allowed_account_ids = [var.aws_account_id]

  default_tags {
    tags = {
      "wpokt:env"       = var.environment
      "wpokt:managed"   = "terraform"
      "wpokt:component" = "monitoring"
    }
  }
}

data "aws_partition" "current" {}

locals {
  name      = "wpokt-monitoring"
  partition = data.aws_partition.current.partition
}

data "aws_iam_policy_document" "monitoring_key" {
  #checkov:skip=CKV_AWS_109:Key policy: Resource "*" is this key only; kms:* goes to the account root so IAM governs administration (AWS default key policy).
  #checkov:skip=CKV_AWS_111:Key policy: Resource "*" is this key only; writes are limited to the account root (IAM-governed) and to the named services with conditions.
  #checkov:skip=CKV_AWS_356:Key policy: Resource "*" is the only value a key policy accepts and means this key.
  statement {
    sid       = "AccountAdministersThroughIAM"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${var.aws_account_id}:root"]
    }
  }

  statement {
    sid       = "PrometheusAlertManagerPublishesToTheEncryptedTopic"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["aps.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [var.aws_account_id]
    }
  }

  statement {
    sid       = "CloudWatchLogsEncryptsTheWorkspaceLogs"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${var.region}.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${var.region}:${var.aws_account_id}:log-group:/wpokt/monitoring/*"]
    }
  }
}

resource "aws_kms_key" "monitoring" {
  description         = "wPOKT monitoring: the Prometheus workspace, its logs and the alert topic"
  key_usage           = "ENCRYPT_DECRYPT"
  enable_key_rotation = true
  policy              = data.aws_iam_policy_document.monitoring_key.json
  tags                = var.tags
}

resource "aws_cloudwatch_log_group" "workspace" {
  name              = "/wpokt/monitoring/prometheus"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.monitoring.arn
  tags              = var.tags
}

resource "aws_prometheus_workspace" "wpokt" {
  alias       = local.name
  kms_key_arn = aws_kms_key.monitoring.arn
  tags        = var.tags

  logging_configuration {
    log_group_arn = "${aws_cloudwatch_log_group.workspace.arn}:*"
  }
}

# The alert rules every test of this repository checks, unchanged.
resource "aws_prometheus_rule_group_namespace" "wpokt" {
  name         = "wpokt-node"
  workspace_id = aws_prometheus_workspace.wpokt.id
  data         = file("${path.root}/${var.alert_rules_file}")
}

resource "aws_sns_topic" "alerts" {
  name              = "${local.name}-alerts"
  kms_master_key_id = aws_kms_key.monitoring.arn
  tags              = var.tags
}

data "aws_iam_policy_document" "alerts_topic" {
  statement {
    sid       = "PrometheusAlertManagerPublishes"
    actions   = ["sns:Publish", "sns:GetTopicAttributes"]
    resources = [aws_sns_topic.alerts.arn]
    principals {
      type        = "Service"
      identifiers = ["aps.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_prometheus_workspace.wpokt.arn]
    }
  }
}

resource "aws_sns_topic_policy" "alerts" {
  arn    = aws_sns_topic.alerts.arn
  policy = data.aws_iam_policy_document.alerts_topic.json
}

# Every alert to the topic (subscribe the operators' pager or chat to it), grouped per alert
# and node, critical ones repeated hourly while they fire.
resource "aws_prometheus_alert_manager_definition" "wpokt" {
  workspace_id = aws_prometheus_workspace.wpokt.id
  definition   = <<-EOT
    alertmanager_config: |
      route:
        receiver: sns
        group_by: [alertname, node]
        repeat_interval: 4h
        routes:
          - matchers: ['severity="critical"']
            receiver: sns
            repeat_interval: 1h
      receivers:
        - name: sns
          sns_configs:
            - topic_arn: ${aws_sns_topic.alerts.arn}
              sigv4:
                region: ${var.region}
              attributes:
                severity: '{{ .CommonLabels.severity }}'
  EOT
}
