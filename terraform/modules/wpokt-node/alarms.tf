# An alarm on every change that could let another principal sign with this node's keys, or take
# them away: a new key policy, a grant, a scheduled deletion, a disabled key: CloudTrail
# management events delivered by EventBridge in this region. Prerequisite: a CloudTrail trail
# logging management events in the account (terraform/README.md); subscribe the operator to
# the topic (not created here: an e-mail subscription needs confirming by hand).

resource "aws_sns_topic" "alarms" {
  name              = "${local.name}-alarms"
  kms_master_key_id = aws_kms_key.data.arn
  tags              = local.tags
}

data "aws_iam_policy_document" "alarms_topic" {
  statement {
    sid       = "EventBridgePublishesKeyAlarms"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_cloudwatch_event_rule.signing_key_changes.arn]
    }
  }
}

resource "aws_sns_topic_policy" "alarms" {
  arn    = aws_sns_topic.alarms.arn
  policy = data.aws_iam_policy_document.alarms_topic.json
}

resource "aws_cloudwatch_event_rule" "signing_key_changes" {
  name        = "${local.name}-signing-key-changes"
  description = "wPOKT ${var.node_id}: a signing key's policy, grants or state changed"
  event_pattern = jsonencode({
    source        = ["aws.kms"]
    "detail-type" = ["AWS API Call via CloudTrail"]
    detail = {
      eventName = [
        "PutKeyPolicy", "CreateGrant", "ScheduleKeyDeletion", "DisableKey", "UpdateAlias",
      ]
      # CloudTrail names the key by ARN in resources[] whatever id or alias the caller used
      resources = {
        ARN = [for purpose in sort(tolist(local.key_purposes)) : aws_kms_key.signing[purpose].arn]
      }
    }
  })
  tags = local.tags
}

resource "aws_cloudwatch_event_target" "signing_key_changes" {
  rule = aws_cloudwatch_event_rule.signing_key_changes.name
  arn  = aws_sns_topic.alarms.arn
}
