# The node's three secp256k1 signing keys (config keys.eth_signer / pokt_signer / eth_gas) and
# one symmetric key encrypting its secrets, logs and disks.

data "aws_iam_policy_document" "signing_key" {
  #checkov:skip=CKV_AWS_109:Key policy: Resource "*" is this key only; kms:* goes to the account root so IAM governs administration (AWS default key policy), never to the node.
  #checkov:skip=CKV_AWS_111:Key policy: Resource "*" is this key only; writes are limited to the account root (IAM-governed) and to the named service or role with conditions.
  #checkov:skip=CKV_AWS_356:Key policy: Resource "*" is the only value a key policy accepts and means this key.
  #checkov:skip=CKV_AWS_107:Key policy: NotAction kms:Sign grants the account root every KMS action on this key but signing; a key policy grants no IAM or credential actions.
  #checkov:skip=CKV_AWS_108:Key policy: NotAction kms:Sign on this key only; an asymmetric signing key has no data to exfiltrate (Decrypt does not apply to SIGN_VERIFY keys).
  #checkov:skip=CKV_AWS_110:Key policy: NotAction kms:Sign on this key only, to the account root (IAM-governed); an escalation to signing is denied by NoOneElseSigns and raises the key-policy alarm.
  # Administration without signing: the account (through IAM) manages the key but no statement
  # lets anyone but the node role sign, and the explicit deny below cannot be overridden by any
  # IAM policy. Changing this policy is the only way around it: that raises the alarm in
  # alarms.tf (CloudTrail via EventBridge).
  statement {
    sid         = "AccountAdministersWithoutSigning"
    not_actions = ["kms:Sign"]
    resources   = ["*"] # in a key policy "*" means this key
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  statement {
    sid       = "NodeSignsWithItsOwnKey"
    actions   = ["kms:Sign", "kms:GetPublicKey"]
    resources = ["*"] # in a key policy "*" means this key
    principals {
      type        = "AWS"
      identifiers = [aws_iam_role.node.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "kms:SigningAlgorithm"
      values   = ["ECDSA_SHA_256"]
    }
  }

  statement {
    sid       = "NoOneElseSigns"
    effect    = "Deny"
    actions   = ["kms:Sign"]
    resources = ["*"] # in a key policy "*" means this key
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
    condition {
      test     = "StringNotEquals"
      variable = "aws:PrincipalArn"
      values   = [aws_iam_role.node.arn]
    }
  }
}

resource "aws_kms_key" "signing" {
  #checkov:skip=CKV_AWS_7:Automatic rotation is not available for asymmetric (ECC_SECG_P256K1) keys; a key is rotated by the validator-set and vault change in docs/runbooks/rotate-node-key.md.
  for_each = local.key_purposes

  description              = "wPOKT ${var.node_id} ${each.key}"
  key_usage                = "SIGN_VERIFY"
  customer_master_key_spec = "ECC_SECG_P256K1"
  deletion_window_in_days  = var.kms_deletion_window_days
  enable_key_rotation      = false
  policy                   = data.aws_iam_policy_document.signing_key.json
  tags                     = merge(local.tags, { "wpokt:key" = each.key })

  # Losing a signing key removes this node from the bridge: destroy only through the runbook.
  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_kms_alias" "signing" {
  for_each = local.key_purposes

  name          = "alias/wpokt/${var.node_id}/${replace(each.key, "_", "-")}"
  target_key_id = aws_kms_key.signing[each.key].key_id
}

data "aws_iam_policy_document" "data_key" {
  #checkov:skip=CKV_AWS_109:Key policy: Resource "*" is this key only; kms:* goes to the account root so IAM governs administration (AWS default key policy), never to the node.
  #checkov:skip=CKV_AWS_111:Key policy: Resource "*" is this key only; writes are limited to the account root (IAM-governed) and to the named service or role with conditions.
  #checkov:skip=CKV_AWS_356:Key policy: Resource "*" is the only value a key policy accepts and means this key.
  statement {
    sid       = "AccountAdministersThroughIAM"
    actions   = ["kms:*"]
    resources = ["*"] # in a key policy "*" means this key
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  statement {
    sid       = "EventBridgePublishesAlarmsToTheEncryptedTopic"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"] # in a key policy "*" means this key
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }

  statement {
    sid = "CloudWatchLogsEncryptsThisNodesLogs"
    actions = [
      "kms:Encrypt*",
      "kms:Decrypt*",
      "kms:ReEncrypt*",
      "kms:GenerateDataKey*",
      "kms:Describe*",
    ]
    resources = ["*"] # in a key policy "*" means this key
    principals {
      type        = "Service"
      identifiers = ["logs.${var.region}.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${var.region}:${local.account_id}:log-group:/wpokt/${var.node_id}/*"]
    }
  }
}

resource "aws_kms_key" "data" {
  description             = "wPOKT ${var.node_id}: secrets, logs and volumes"
  key_usage               = "ENCRYPT_DECRYPT"
  deletion_window_in_days = var.kms_deletion_window_days
  enable_key_rotation     = true
  policy                  = data.aws_iam_policy_document.data_key.json
  tags                    = local.tags
}

resource "aws_kms_alias" "data" {
  name          = "alias/wpokt/${var.node_id}/data"
  target_key_id = aws_kms_key.data.key_id
}
